/* The baseline the wall is compared with: a plain byte relay between our stdio and a child's, one thread
 * per direction, 64 KiB copies, no framing and no parsing. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

struct pair { int from, to; };

static void *copy(void *arg) {
    struct pair *p = arg;
    static __thread char buf[1 << 16];
    for (;;) {
        ssize_t r = read(p->from, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        for (ssize_t off = 0; off < r;) {
            ssize_t w = write(p->to, buf + off, (size_t)(r - off));
            if (w < 0) { if (errno == EINTR) continue; return NULL; }
            off += w;
        }
    }
    close(p->to);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: relay CMD [ARGS...]\n"); return 2; }
    signal(SIGPIPE, SIG_IGN);
    int in[2], out[2];
    if (pipe(in) || pipe(out)) return 2;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0); dup2(out[1], 1);
        close(in[0]); close(in[1]); close(out[0]); close(out[1]);
        execvp(argv[1], argv + 1);
        _exit(127);
    }
    close(in[0]); close(out[1]);
    struct pair down = {0, in[1]}, up = {out[0], 1};
    pthread_t t1, t2;
    pthread_create(&t1, NULL, copy, &down);
    pthread_create(&t2, NULL, copy, &up);
    pthread_join(t2, NULL);
    int st; waitpid(pid, &st, 0);
    return 0;
}
