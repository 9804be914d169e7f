// See contain_early.h.
#include "contain_early.h"
#include "contain_child.h"

#include <string.h>

// glibc passes argc/argv/envp to constructors. Only `run` and `learn` launch a sandbox; any other
// command (and `run --help`) leaves the child unused, and it exits when contain does (EOF on its socket).
// Priority 101, the first an application may use: before the other constructors of the binary, so the
// child's namespaces are being built while those run.
__attribute__((constructor(101))) static void contain_spawn_before_main(int argc, char **argv, char **envp) {
    (void)envp;
    if (argc < 2 || !argv[1]) return;
    if (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "learn") == 0) contain_early_spawn();
}
