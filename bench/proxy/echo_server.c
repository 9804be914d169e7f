/* A trivial stdio "MCP server" for the proxy benchmark: answers every request line with a tools/call-shaped
 * result of about the same size as the request, echoing its id. Kept in C so the server's own cost is
 * small next to what is measured. Not a JSON parser: it relies on the driver's fixed message shape. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_all(const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(1, p, n);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        p += w; n -= (size_t)w;
    }
    return 0;
}

static char *out; static size_t out_cap;

static void answer(const char *line, size_t len) {
    const char *id = memmem(line, len, "\"id\":", 5);
    if (!id) return; /* notification */
    id += 5;
    size_t idlen = 0;
    while (id + idlen < line + len && id[idlen] != ',' && id[idlen] != '}') idlen++;
    size_t text = len > 120 ? len - 120 : 1;
    size_t need = text + idlen + 128;
    if (need > out_cap) { out_cap = need * 2; out = realloc(out, out_cap); if (!out) exit(2); }
    size_t o = 0;
    static const char a[] = "{\"jsonrpc\":\"2.0\",\"id\":";
    static const char b[] = ",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"";
    static const char c[] = "\"}],\"isError\":false}}\n";
    memcpy(out + o, a, sizeof a - 1); o += sizeof a - 1;
    memcpy(out + o, id, idlen); o += idlen;
    memcpy(out + o, b, sizeof b - 1); o += sizeof b - 1;
    memset(out + o, 'x', text); o += text;
    memcpy(out + o, c, sizeof c - 1); o += sizeof c - 1;
    if (write_all(out, o) < 0) exit(0);
}

int main(void) {
    size_t cap = 1 << 16, start = 0, end = 0;
    char *buf = malloc(cap);
    if (!buf) return 2;
    for (;;) {
        char *nl;
        while ((nl = memchr(buf + start, '\n', end - start)) != NULL) {
            answer(buf + start, (size_t)(nl - (buf + start)));
            start = (size_t)(nl - buf) + 1;
        }
        if (start > 0) { memmove(buf, buf + start, end - start); end -= start; start = 0; }
        if (end == cap) { cap *= 2; buf = realloc(buf, cap); if (!buf) return 2; }
        ssize_t r = read(0, buf + end, cap - end);
        if (r < 0) { if (errno == EINTR) continue; return 1; }
        if (r == 0) return 0;
        end += (size_t)r;
    }
}
