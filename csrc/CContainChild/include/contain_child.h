#ifndef CONTAIN_CHILD_H
#define CONTAIN_CHILD_H
// Placeholder: the async-signal-safe child lands with the environment wall.
int contain_child_abi_version(void);
#endif
