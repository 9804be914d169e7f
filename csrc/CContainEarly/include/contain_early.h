#ifndef CONTAIN_EARLY_H
#define CONTAIN_EARLY_H
// Linked into the `contain` executable only (never into tests): a constructor that clones the sandbox
// child before main for the commands that launch one (see contain_early_spawn in contain_child.h).
// Nothing to call: the constructor runs by itself. It is C because it must run before the Swift runtime
// and main, while the process is small and has a single thread.
#endif
