// stamp: the child every benchmark peer runs.
//
//     stamp FILE TAG [--hold]
//
// Its first act is to read CLOCK_MONOTONIC; it then appends "TAG NS\n" to
// FILE (the benchmark's FIFO; one write of less than PIPE_BUF bytes, so lines
// never interleave). The figure is the moment the child's own code started.
// With --hold it then waits for SIGTERM or SIGINT, appends "TAG-stop NS\n"
// and exits 0: a service that lives as long as its device.
// Linked statically where possible, so there is no dynamic loader before main.
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void append(const char *path, const char *tag, const char *suffix, const struct timespec *at) {
    char line[256];
    int length = snprintf(line, sizeof line, "%s%s %lld\n", tag, suffix,
                          (long long)at->tv_sec * 1000000000LL + at->tv_nsec);
    if (length <= 0 || length >= (int)sizeof line) return;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    (void)!write(fd, line, (size_t)length);
    close(fd);
}

int main(int argc, char **argv) {
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    if (argc < 3) return 2;
    int hold = argc > 3 && strcmp(argv[3], "--hold") == 0;
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    if (hold) sigprocmask(SIG_BLOCK, &stop, NULL);
    append(argv[1], argv[2], "", &started);
    if (!hold) return 0;
    int received;
    sigwait(&stop, &received);
    struct timespec stopped;
    clock_gettime(CLOCK_MONOTONIC, &stopped);
    append(argv[1], argv[2], "-stop", &stopped);
    return 0;
}
