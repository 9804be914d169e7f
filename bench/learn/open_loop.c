/* A path-heavy workload for learn-mode overhead: every iteration stats and opens a file and lists a
 * directory, the calls learning must see (and trap). argv[1]: a directory with a few files; argv[2]: rounds. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    long rounds = atol(argv[2]);
    char path[4096], buf[256];
    long total = 0;
    for (long i = 0; i < rounds; i++) {
        snprintf(path, sizeof path, "%s/f%ld", argv[1], i % 8);
        struct stat st;
        if (stat(path, &st) == 0) total += st.st_size;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) { total += read(fd, buf, sizeof buf); close(fd); }
        if (i % 16 == 0) {
            DIR *d = opendir(argv[1]);
            if (d) { while (readdir(d)) total++; closedir(d); }
        }
    }
    printf("%ld\n", total);
    return 0;
}
