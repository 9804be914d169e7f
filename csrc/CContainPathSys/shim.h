// Why C: glibc has no openat2(2) wrapper, and syscall(2) is variadic, which Swift cannot call.
// Header-only (static inline): nothing to link, and the path rules stay a pure Swift target otherwise.
// EINTR policy lives in the Swift caller (Sources/ContainPathRules/PathSystemCalls.swift).
#ifndef CONTAIN_PATH_SYS_H
#define CONTAIN_PATH_SYS_H

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <linux/openat2.h>

// Swift's Glibc module is built without _GNU_SOURCE, so O_PATH is not visible there; the value is the
// same on every Linux architecture Swift supports (asm-generic and x86).
#ifndef O_PATH
#define O_PATH 010000000
#endif
static const int contain_o_path = O_PATH;

/// fstatfs(2) f_type, or -1 with errno set.
static inline int contain_fstatfs_type(int fd, long long *type) {
    struct statfs sfs;
    int r = fstatfs(fd, &sfs);
    if (r == 0) *type = (long long)sfs.f_type;
    return r;
}

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/// openat2(2): returns the fd, or -1 with errno set.
static inline int contain_openat2(int dirfd, const char *path, unsigned long long flags,
                                  unsigned long long resolve) {
    struct open_how how = { .flags = flags, .mode = 0, .resolve = resolve };
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

static const unsigned long long contain_resolve_in_root = RESOLVE_IN_ROOT;
static const unsigned long long contain_resolve_no_magiclinks = RESOLVE_NO_MAGICLINKS;

#endif
