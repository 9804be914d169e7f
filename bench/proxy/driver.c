/* Benchmark client: runs CMD as an MCP-style stdio server and measures, over its stdin/stdout,
 *   latency N          N sequential small tools/call round trips (after a warm-up): p50/p90/p99/mean in us
 *   throughput N SIZE  N tools/call requests of SIZE bytes written by one thread while another reads the
 *                      N answers: messages per second and MiB/s
 * Prints one JSON object on stdout. Every answer is checked to carry the id that was sent. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int to_srv, from_srv;
static char *rbuf; static size_t rcap = 1 << 16, rstart, rend;

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

static void write_all(const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(to_srv, p, n);
        if (w < 0) { if (errno == EINTR) continue; perror("write"); exit(1); }
        p += w; n -= (size_t)w;
    }
}

/* Next line (without newline) into *line; returns its length. Exits on end of stream. */
static size_t read_line(char **line) {
    for (;;) {
        char *nl = memchr(rbuf + rstart, '\n', rend - rstart);
        if (nl) {
            *line = rbuf + rstart;
            size_t n = (size_t)(nl - (rbuf + rstart));
            rstart += n + 1;
            return n;
        }
        if (rstart > 0) { memmove(rbuf, rbuf + rstart, rend - rstart); rend -= rstart; rstart = 0; }
        if (rend == rcap) { rcap *= 2; rbuf = realloc(rbuf, rcap); if (!rbuf) exit(2); }
        ssize_t r = read(from_srv, rbuf + rend, rcap - rend);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) { fprintf(stderr, "driver: server closed its output\n"); exit(1); }
        rend += (size_t)r;
    }
}

static char *make_request(long id, size_t size, size_t *len) {
    static const char head[] = "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"n\":1,\"text\":\"";
    static const char tail[] = "\"}}}\n";
    char h[256];
    int hl = snprintf(h, sizeof h, head, id);
    size_t pad = size > (size_t)hl + sizeof tail ? size - (size_t)hl - (sizeof tail - 1) : 1;
    char *m = malloc((size_t)hl + pad + sizeof tail);
    if (!m) exit(2);
    memcpy(m, h, (size_t)hl);
    for (size_t i = 0; i < pad; i++) m[hl + i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i & 63];
    memcpy(m + hl + pad, tail, sizeof tail - 1);
    *len = (size_t)hl + pad + sizeof tail - 1;
    return m;
}

static void check_id(const char *line, size_t n, long id) {
    char want[48];
    int wl = snprintf(want, sizeof want, "\"id\":%ld,", id);
    if (!memmem(line, n, want, (size_t)wl)) { fprintf(stderr, "driver: answer without id %ld: %.200s\n", id, line); exit(1); }
}

static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

struct tp { long n; size_t size; };
static void *writer(void *arg) {
    struct tp *t = arg;
    size_t len;
    char *m = make_request(0, t->size, &len);
    for (long i = 0; i < t->n; i++) {
        free(m);
        m = make_request(i + 1, t->size, &len);
        write_all(m, len);
    }
    free(m);
    return NULL;
}

int main(int argc, char **argv) {
    int sep = 0;
    for (int i = 1; i < argc; i++) if (strcmp(argv[i], "--") == 0) { sep = i; break; }
    if (sep < 3 || sep + 1 >= argc) { fprintf(stderr, "usage: driver latency N | throughput N SIZE -- CMD [ARGS...]\n"); return 2; }
    signal(SIGPIPE, SIG_IGN);
    rbuf = malloc(rcap);
    int in[2], out[2];
    if (pipe(in) || pipe(out)) return 2;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0); dup2(out[1], 1);
        close(in[0]); close(in[1]); close(out[0]); close(out[1]);
        execvp(argv[sep + 1], argv + sep + 1);
        _exit(127);
    }
    close(in[0]); close(out[1]);
    to_srv = in[1]; from_srv = out[0];
    long n = atol(argv[2]);
    char *line;
    if (strcmp(argv[1], "latency") == 0) {
        double *rtt = malloc(sizeof(double) * (size_t)n);
        long warm = n / 10 + 100;
        for (long i = 0; i < warm + n; i++) {
            size_t len;
            char *m = make_request(i + 1, 200, &len);
            double t0 = now();
            write_all(m, len);
            size_t ln = read_line(&line);
            double t1 = now();
            check_id(line, ln, i + 1);
            free(m);
            if (i >= warm) rtt[i - warm] = (t1 - t0) * 1e6;
        }
        qsort(rtt, (size_t)n, sizeof(double), cmp);
        double sum = 0; for (long i = 0; i < n; i++) sum += rtt[i];
        printf("{\"mode\":\"latency\",\"n\":%ld,\"p50_us\":%.2f,\"p90_us\":%.2f,\"p99_us\":%.2f,\"mean_us\":%.2f}\n",
               n, rtt[n / 2], rtt[n * 9 / 10], rtt[n * 99 / 100], sum / n);
    } else if (strcmp(argv[1], "throughput") == 0 && sep >= 4) {
        struct tp t = { n, (size_t)atol(argv[3]) };
        pthread_t w;
        double t0 = now();
        pthread_create(&w, NULL, writer, &t);
        for (long i = 0; i < n; i++) { size_t ln = read_line(&line); check_id(line, ln, i + 1); }
        double t1 = now();
        pthread_join(w, NULL);
        double secs = t1 - t0;
        printf("{\"mode\":\"throughput\",\"n\":%ld,\"size\":%zu,\"msgs_per_s\":%.1f,\"mib_per_s\":%.1f}\n",
               n, t.size, n / secs, (double)n * (double)t.size / secs / (1 << 20));
    } else {
        fprintf(stderr, "driver: unknown mode\n"); return 2;
    }
    close(to_srv);
    int st; waitpid(pid, &st, 0);
    return 0;
}
