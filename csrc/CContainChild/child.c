#include "contain_child.h"
int contain_child_abi_version(void) { return 1; }
