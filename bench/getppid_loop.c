/* Steady-state workload for bench/steady.sh: N getppid() calls plus N small reads from /dev/zero,
 * i.e. the syscall-heavy pattern of a busy server. Each call passes through the seccomp filter. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int fd = open("/dev/zero", O_RDONLY);
    char buf[64];
    long sum = 0;
    for (long i = 0; i < n; i++) {
        sum += syscall(SYS_getppid);
        if (fd >= 0) sum += read(fd, buf, sizeof buf);
    }
    printf("%ld\n", sum > 0);
    return 0;
}
