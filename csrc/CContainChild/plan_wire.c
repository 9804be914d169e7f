// The plan on the wire: how the supervisor hands a plan to a sandbox child that was cloned before the
// plan existed (contain_spawn_waiting), both sides in one file so the format has one definition.
//
// Why C: the receiving side runs in the sandbox child, where only async-signal-safe code may run (see
// child.c); the sending side flattens a graph of C structs and passes descriptors with SCM_RIGHTS, which
// is pointer arithmetic and cmsg macros that Swift can only reach through casts.
//
// The format, on a SOCK_SEQPACKET socket:
//  1. one message: `struct wire_header`, with every descriptor the plan names attached (SCM_RIGHTS), in
//     the order fd_slots() lists them;
//  2. `length` bytes in messages of at most WIRE_CHUNK: the plan struct at offset 0, then its steps, argv,
//     envp and strings. Every pointer in it is an offset from the start (0 for NULL), and every
//     descriptor field holds the sender's number, which the receiver replaces with the one it got.

#define _GNU_SOURCE
#include "plan_wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define WIRE_MAGIC 0x43505731u /* "CPW1" */
/// Far above any real plan (a plan is mostly paths and the environment), low enough that a corrupt
/// length cannot make the child map gigabytes.
#define WIRE_MAX_LENGTH (64u << 20)
#define WIRE_CHUNK (32u << 10)
/// The kernel's limit of descriptors in one SCM_RIGHTS message (SCM_MAX_FD).
#define WIRE_MAX_FDS 253

struct wire_header {
    uint32_t magic;
    uint32_t nfds;
    uint64_t length;
};

// The descriptors a plan names, in one fixed order: the report pipe first (so the child can report a
// malformed plan as soon as the descriptors arrived), the other pipe ends, then each DUP2 source and
// ADOPT_TREE tree in step order. A negative value (no filter pipe) is not a slot. With `set`, the slots
// take fds[0...] in that order (receiver); without, their values are copied into fds (sender). Returns
// the number of slots, or -1 if there are more than `cap`.
static int fd_slots(struct contain_plan *p, struct contain_step *steps, int *fds, int cap, int set) {
    int n = 0;
#define SLOT(lvalue, type)                        \
    do {                                          \
        if ((int64_t)(lvalue) >= 0) {             \
            if (n >= cap) return -1;              \
            if (set) (lvalue) = (type)fds[n];     \
            else fds[n] = (int)(lvalue);          \
            n++;                                  \
        }                                         \
    } while (0)
    SLOT(p->report_fd, int32_t);
    SLOT(p->sync_fd, int32_t);
    SLOT(p->ack_fd, int32_t);
    SLOT(p->status_fd, int32_t);
    SLOT(p->filter_fd, int32_t);
    for (size_t i = 0; i < p->nsteps; i++) {
        if (steps[i].op == CONTAIN_OP_DUP2) SLOT(steps[i].arg, uint64_t);
        else if (steps[i].op == CONTAIN_OP_ADOPT_TREE) SLOT(steps[i].arg2, uint64_t);
    }
#undef SLOT
    return n;
}

// ---- Sender (the supervisor; may allocate) ----

static size_t str_size(const char *s) { return s ? strlen(s) + 1 : 0; }

static size_t vec_count(char *const *v) {
    size_t n = 0;
    while (v && v[n]) n++;
    return n;
}

struct builder {
    char *base;
    size_t used;
};

static uint64_t put_str(struct builder *b, const char *s) {
    if (!s) return 0;
    size_t n = strlen(s) + 1;
    memcpy(b->base + b->used, s, n);
    uint64_t off = b->used;
    b->used += n;
    return off;
}

static int send_all(int fd, const char *p, size_t len) {
    while (len > 0) {
        size_t chunk = len < WIRE_CHUNK ? len : WIRE_CHUNK;
        ssize_t n = send(fd, p, chunk, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue; // EINTR: retry (nothing was sent)
            return errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int contain_send_plan(int fd, const struct contain_plan *plan) {
    size_t argc = vec_count(plan->argv), envc = vec_count(plan->envp);
    size_t fixed = sizeof(struct contain_plan) + plan->nsteps * sizeof(struct contain_step) +
                   (argc + 1 + envc + 1) * sizeof(uint64_t);
    size_t length = fixed + str_size(plan->exec_path);
    for (size_t i = 0; i < plan->nsteps; i++) {
        const struct contain_step *s = &plan->steps[i];
        length += str_size(s->path) + str_size(s->src) + str_size(s->fstype) + str_size(s->data);
    }
    for (size_t i = 0; i < argc; i++) length += str_size(plan->argv[i]);
    for (size_t i = 0; i < envc; i++) length += str_size(plan->envp[i]);
    if (length > WIRE_MAX_LENGTH) return E2BIG;

    struct builder b = { calloc(1, length), fixed };
    if (!b.base) return ENOMEM;
    struct contain_plan *wp = (struct contain_plan *)b.base;
    struct contain_step *ws = (struct contain_step *)(b.base + sizeof *wp);
    uint64_t *wargv = (uint64_t *)(ws + plan->nsteps);
    uint64_t *wenvp = wargv + argc + 1;
    *wp = *plan;
    for (size_t i = 0; i < plan->nsteps; i++) {
        const struct contain_step *s = &plan->steps[i];
        ws[i] = *s;
        ws[i].path = (const char *)(uintptr_t)put_str(&b, s->path);
        ws[i].src = (const char *)(uintptr_t)put_str(&b, s->src);
        ws[i].fstype = (const char *)(uintptr_t)put_str(&b, s->fstype);
        ws[i].data = (const char *)(uintptr_t)put_str(&b, s->data);
    }
    for (size_t i = 0; i < argc; i++) wargv[i] = put_str(&b, plan->argv[i]);
    for (size_t i = 0; i < envc; i++) wenvp[i] = put_str(&b, plan->envp[i]);
    wp->steps = (const struct contain_step *)(uintptr_t)((char *)ws - b.base);
    wp->argv = (char *const *)(uintptr_t)((char *)wargv - b.base);
    wp->envp = (char *const *)(uintptr_t)((char *)wenvp - b.base);
    wp->exec_path = (const char *)(uintptr_t)put_str(&b, plan->exec_path);

    int fds[WIRE_MAX_FDS];
    int nfds = fd_slots(wp, ws, fds, WIRE_MAX_FDS, 0);
    int err = 0;
    if (nfds < 1 || wp->report_fd < 0) err = nfds < 0 ? E2BIG : EINVAL; // the child reports on report_fd
    if (!err) {
        struct wire_header h = { WIRE_MAGIC, (uint32_t)nfds, (uint64_t)length };
        struct iovec iov = { &h, sizeof h };
        union {
            char buf[CMSG_SPACE(sizeof(int) * WIRE_MAX_FDS)];
            struct cmsghdr align;
        } control;
        memset(&control, 0, sizeof control);
        struct msghdr msg = { 0 };
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
        for (;;) {
            ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) err = errno;
            else if ((size_t)n != sizeof h) err = EPROTO; // a seqpacket message goes whole or not at all
            break;
        }
    }
    if (!err) err = send_all(fd, b.base, length);
    free(b.base);
    return err;
}

// ---- Receiver (the sandbox child: async-signal-safe) ----

// The string at `off` in the blob, or (char *)-1 if it does not end inside it.
static const char *str_at(const char *base, size_t length, uint64_t off) {
    if (off == 0) return NULL;
    if (off >= length) return (const char *)-1;
    for (size_t i = (size_t)off; i < length; i++) {
        if (base[i] == 0) return base + off;
    }
    return (const char *)-1;
}

#define BAD ((const char *)-1)

static int relocate_vec(char *base, size_t length, uint64_t off, size_t *count) {
    // An array of offsets ending with 0, all inside the blob, turned into pointers in place.
    if (off == 0 || off % sizeof(uint64_t) != 0) return EPROTO;
    uint64_t *v = (uint64_t *)(base + off);
    for (size_t i = 0;; i++) {
        if (off + (i + 1) * sizeof(uint64_t) > length) return EPROTO;
        if (v[i] == 0) {
            *count = i;
            return 0;
        }
        const char *s = str_at(base, length, v[i]);
        if (s == BAD || s == NULL) return EPROTO;
        v[i] = (uint64_t)(uintptr_t)s;
    }
}

static int relocate(char *base, size_t length) {
    if (length < sizeof(struct contain_plan)) return EPROTO;
    struct contain_plan *p = (struct contain_plan *)base;
    uint64_t steps_off = (uint64_t)(uintptr_t)p->steps;
    if (steps_off < sizeof *p || steps_off % 8 != 0 || p->nsteps > length / sizeof(struct contain_step) ||
        steps_off + p->nsteps * sizeof(struct contain_step) > length)
        return EPROTO;
    struct contain_step *s = (struct contain_step *)(base + steps_off);
    for (size_t i = 0; i < p->nsteps; i++) {
        const char *f[4] = {
            str_at(base, length, (uint64_t)(uintptr_t)s[i].path), str_at(base, length, (uint64_t)(uintptr_t)s[i].src),
            str_at(base, length, (uint64_t)(uintptr_t)s[i].fstype), str_at(base, length, (uint64_t)(uintptr_t)s[i].data),
        };
        for (int k = 0; k < 4; k++) {
            if (f[k] == BAD) return EPROTO;
        }
        s[i].path = f[0];
        s[i].src = f[1];
        s[i].fstype = f[2];
        s[i].data = f[3];
    }
    p->steps = s;
    const char *exec = str_at(base, length, (uint64_t)(uintptr_t)p->exec_path);
    if (exec == BAD || exec == NULL) return EPROTO;
    p->exec_path = exec;
    size_t argc = 0, envc = 0;
    uint64_t argv_off = (uint64_t)(uintptr_t)p->argv, envp_off = (uint64_t)(uintptr_t)p->envp;
    int err = relocate_vec(base, length, argv_off, &argc);
    if (!err) err = relocate_vec(base, length, envp_off, &envc);
    if (err) return err;
    p->argv = (char *const *)(base + argv_off);
    p->envp = (char *const *)(base + envp_off);
    return 0;
}

int contain_wire_receive(int fd, const struct contain_plan **out, int *report_fd) {
    *report_fd = -1;
    struct wire_header h;
    struct iovec iov = { &h, sizeof h };
    union {
        char buf[CMSG_SPACE(sizeof(int) * WIRE_MAX_FDS)];
        struct cmsghdr align;
    } control;
    struct msghdr msg = { 0 };
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    ssize_t n;
    do {
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR); // EINTR: retry (a forwarded signal during the wait)
    if (n == 0) return EPIPE;
    if (n < 0) return errno;

    int fds[WIRE_MAX_FDS];
    int nfds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        if (k > WIRE_MAX_FDS - nfds) k = WIRE_MAX_FDS - nfds;
        memcpy(fds + nfds, CMSG_DATA(c), sizeof(int) * (size_t)k);
        nfds += k;
    }
    if (nfds > 0) *report_fd = fds[0];
    if ((size_t)n != sizeof h || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || h.magic != WIRE_MAGIC ||
        h.nfds != (uint32_t)nfds || h.length < sizeof(struct contain_plan) || h.length > WIRE_MAX_LENGTH)
        return EPROTO;

    size_t length = (size_t)h.length;
    char *base = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return errno;
    for (size_t got = 0; got < length;) {
        ssize_t r = recv(fd, base + got, length - got, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return errno;
        if (r == 0) return EPIPE;
        got += (size_t)r;
    }
    int err = relocate(base, length);
    if (err) return err;
    struct contain_plan *p = (struct contain_plan *)base;
    int slots[WIRE_MAX_FDS];
    if (fd_slots(p, (struct contain_step *)p->steps, slots, WIRE_MAX_FDS, 0) != nfds || p->report_fd < 0)
        return EPROTO;
    fd_slots(p, (struct contain_step *)p->steps, fds, nfds, 1);
    *out = p;
    return 0;
}
