/* The cost of seccomp itself, separated from the cost of contain's filter.
 *
 * A process with any seccomp filter takes the kernel's slow syscall-entry path (syscall_trace_enter), whatever the
 * filter says. The kernel's per-architecture action cache (Linux 5.11+) then skips running the BPF program for
 * syscalls the filter allows unconditionally, so a long allowlist should cost no more than a one-instruction
 * "allow everything" filter. This measures exactly that, in one run:
 *   none      no filter (bare)
 *   allow1    a 1-instruction SECCOMP_RET_ALLOW filter: the floor any seccomp sandbox pays
 *   contain   contain's own compiled program (from `contain check --export-bpf FILE base`)
 * Each variant runs in a fresh forked child (a filter can't be removed), rounds are interleaved so drift on a shared
 * machine hits all variants alike, and the best round per variant is reported (the least disturbed one).
 * Usage: floor FILTER.bpf [iterations] [rounds]    Output: one JSON object on stdout. */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

/* ns per iteration of getppid() + a 64-byte read, the workload of bench/getppid_loop.c. */
static double workload(long n) {
    int fd = open("/dev/zero", O_RDONLY);
    if (fd < 0) return -1;
    char buf[64];
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        syscall(SYS_getppid);
        if (read(fd, buf, sizeof buf) != sizeof buf) return -1;
    }
    double per = (now_ns() - t0) / n;
    close(fd);
    return per;
}

static int install(struct sock_filter *ins, unsigned short len) {
    struct sock_fprog prog = {.len = len, .filter = ins};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/* Runs one round of one variant in a child; the result comes back through a pipe. */
static double round_of(int variant, struct sock_filter *prog, unsigned short len, long n) {
    int p[2];
    if (pipe(p) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        static struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        int rc = 0;
        if (variant == 1) rc = install(&allow, 1);
        if (variant == 2) rc = install(prog, len);
        double v = rc == 0 ? workload(n) : -1;
        (void)!write(p[1], &v, sizeof v);
        _exit(0);
    }
    close(p[1]);
    double v = -1;
    if (read(p[0], &v, sizeof v) != sizeof v) v = -1;
    close(p[0]);
    waitpid(pid, NULL, 0);
    return v;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: floor FILTER.bpf [iterations] [rounds]\n"); return 2; }
    long n = argc > 2 ? atol(argv[2]) : 1000000;
    int rounds = argc > 3 ? atoi(argv[3]) : 9;
    static struct sock_filter prog[BPF_MAXINSNS];
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 2; }
    size_t len = fread(prog, sizeof prog[0], BPF_MAXINSNS, f);
    fclose(f);
    if (len == 0) { fprintf(stderr, "%s: empty filter\n", argv[1]); return 2; }
    const char *names[3] = {"none", "allow1", "contain"};
    double best[3] = {1e18, 1e18, 1e18};
    for (int r = 0; r < rounds; r++)
        for (int v = 0; v < 3; v++) {
            double x = round_of(v, prog, (unsigned short)len, n);
            if (x < 0) { fprintf(stderr, "variant %s failed\n", names[v]); return 1; }
            if (x < best[v]) best[v] = x;
        }
    printf("{\"iterations\": %ld, \"rounds\": %d, \"filter_instructions\": %zu, "
           "\"ns_per_iteration\": {\"none\": %.1f, \"allow1\": %.1f, \"contain\": %.1f}}\n",
           n, rounds, len, best[0], best[1], best[2]);
    return 0;
}
