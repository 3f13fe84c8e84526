// spawn.c — fork/exec with a clean slate for the child, plus thin wrappers for
// kernel interfaces that Swift's Glibc module does not expose.
//
// Rules for run_child(): it executes in the forked copy of a multi-threaded
// process, so it may only use async-signal-safe functions and raw system
// calls on memory the parent prepared before fork(). No malloc, no stdio, no
// locks, no Swift.
//
// How the child starts: clone(CLONE_VM | CLONE_VFORK | CLONE_FILES), on a
// stack of its own in the parent's frame. CLONE_VM and CLONE_VFORK are
// vfork(): no page tables copied, the parent waits until execve() or _exit().
// CLONE_FILES lends the child the daemon's descriptor table instead of
// copying it (three descriptors per running child, so the n-th spawn copied
// and then closed O(n) of them); the child's first descriptor operation takes
// a table of its own holding only the low descriptors it needs
// (close_range(CLOSE_RANGE_UNSHARE)), so a spawn costs the same with one or
// a thousand children running. Under the sanitizers, whose runtimes follow
// neither a child on a borrowed stack nor one sharing their memory, it is a
// plain vfork(), which ThreadSanitizer makes a fork(): the child then reports
// through a pipe as well as through shared memory.
#define _GNU_SOURCE
#include "hotplug_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

// idtype_t value of P_PIDFD (Linux 5.4+). glibc only grew the enumerator in
// 2.36, so name the stable kernel ABI value ourselves.
#define HOTPLUG_P_PIDFD ((idtype_t)3)

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define HOTPLUG_SPAWN_BY_VFORK 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define HOTPLUG_SPAWN_BY_VFORK 1
#endif
#endif

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif

// The child's stack until execve(): run_child() and the libc wrappers it
// calls need well under a page or two.
#define HOTPLUG_SPAWN_CHILD_STACK (32 * 1024)

// Upper bound for the close() loop used when close_range(2) is unavailable
// and RLIMIT_NOFILE is unlimited.
#define HOTPLUG_FALLBACK_MAX_FD 65536

// What a failing child leaves for the parent before _exit(). It writes it
// straight into the parent's memory: vfork() lends the child that memory, and
// the parent runs again only once the child has called execve() (successfully:
// the kernel releases the parent when it replaces the child's memory) or
// _exit(). This is how glibc's posix_spawn() reports, too.
struct child_report {
    int32_t stage;
    int32_t error;
    // The boot clock at the child's first instruction (see start_tick_between).
    unsigned long long started_ns;
};

// Where the child reports: the shared report, and a pipe for when vfork() is
// a plain fork() and shares nothing (ThreadSanitizer makes it one). The
// parent reads the pipe only then: waiting for its end would wait until
// execve() has closed every descriptor the child inherited. Without the
// sanitizers there is no pipe (fd -1): clone(CLONE_VM) always shares.
struct report_channel {
    volatile struct child_report *shared;
    int fd;
};

// What run_child() gets, all prepared by the parent.
struct child_start {
    const hotplug_spawn_options *options;
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    struct report_channel channel;
    int max_fd;
    // The first descriptor the child does not need; -1 when its table is
    // already its own (vfork()).
    int needed_below;
};

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static void close_preserving_errno(int fd) {
    if (fd < 0) return;
    int saved = errno;
    // Linux always releases the descriptor, even when close() reports EINTR,
    // so retrying would risk closing somebody else's newly opened fd.
    close(fd);
    errno = saved;
}

// Keeps descriptors that the child will dup2() onto 0/1/2 away from 0..2
// themselves. Otherwise (in a daemon started with closed stdio) one source
// could be clobbered by an earlier dup2, or dup2(fd, fd) would be a no-op that
// leaves O_CLOEXEC set and the child would start with a closed stdin.
static int move_above_stdio(int fd) {
    if (fd < 0 || fd > 2) return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close_preserving_errno(fd);
    return moved;
}

static int cloexec_pipe(int fds[2]) {
    int raw[2];
    if (pipe2(raw, O_CLOEXEC) != 0) return -1;
    fds[0] = move_above_stdio(raw[0]);
    fds[1] = move_above_stdio(raw[1]);
    if (fds[0] < 0 || fds[1] < 0) {
        close_preserving_errno(fds[0]);
        close_preserving_errno(fds[1]);
        fds[0] = fds[1] = -1;
        return -1;
    }
    return 0;
}

// Moves a descriptor the daemon keeps while the child runs to
// HOTPLUG_SPAWN_KEPT_FLOOR or above (see there); where that fails, it stays.
static int keep_above_floor(int fd, int floor) {
    if (fd < 0 || floor <= 0 || fd >= floor) return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, floor);
    if (moved < 0) return fd;
    close_preserving_errno(fd);
    return moved;
}

static int highest_possible_fd(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
        limit.rlim_cur > (rlim_t)INT_MAX) {
        return HOTPLUG_FALLBACK_MAX_FD;
    }
    return (int)limit.rlim_cur;
}

static unsigned long long boot_nanoseconds(void) {
    struct timespec now;
    if (clock_gettime(CLOCK_BOOTTIME, &now) != 0) return 0;
    return (unsigned long long)now.tv_sec * 1000000000ULL + (unsigned long long)now.tv_nsec;
}

// The kernel stamps a new task with the boot clock inside fork(), and /proc
// shows that stamp in clock ticks, rounded down: when `before` and `after`
// fall in the same tick, so does the start. Saves reading /proc/PID/stat
// right after the spawn, which waits until the child's exec is done.
static unsigned long long start_tick_between(unsigned long long before, unsigned long long after) {
    long ticks_per_second = sysconf(_SC_CLK_TCK);
    if (before == 0 || after == 0 || ticks_per_second <= 0 || 1000000000L % ticks_per_second != 0) return 0;
    unsigned long long tick = 1000000000ULL / (unsigned long long)ticks_per_second;
    return before / tick == after / tick ? before / tick : 0;
}

// ---- child side ----------------------------------------------------------

__attribute__((noreturn))
static void child_fail(struct report_channel *channel, int stage, int error) {
    channel->shared->error = error;
    channel->shared->stage = stage;
    if (channel->fd < 0) _exit(127);
    struct child_report report = { stage, error, 0 };
    const char *cursor = (const char *)&report;
    size_t left = sizeof report;
    while (left > 0) {
        ssize_t written = write(channel->fd, cursor, left);
        if (written < 0) {
            if (errno == EINTR) continue;
            break;
        }
        cursor += written;
        left -= (size_t)written;
    }
    _exit(127);
}

// Keeps every descriptor from `first` on out of the program. Marking them
// close-on-exec costs nothing per descriptor; execve() closes them after it
// has released the parent, so the daemon does not wait while its own
// descriptors (three per running child) are closed in each new child. Where
// the flag is unknown (Linux before 5.11), they are closed here, all but
// `keep` (the report pipe, which is close-on-exec already).
static void close_from(int first, int keep, int max_fd) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)first, ~0u, CLOSE_RANGE_CLOEXEC) == 0) return;
    int ok = 1;
    if (keep > first && syscall(SYS_close_range, (unsigned)first, (unsigned)(keep - 1), 0u) != 0) ok = 0;
    if (ok && syscall(SYS_close_range, (unsigned)(keep >= first ? keep + 1 : first), ~0u, 0u) != 0) ok = 0;
    if (ok) return;
#endif
    for (int fd = first; fd < max_fd; fd++) {
        if (fd != keep) close(fd);
    }
}

// Writes the decimal `value` and a NUL at `out`; async-signal-safe.
static void write_decimal(char *out, long value) {
    char digits[24];
    int count = 0;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0 && count < 23);
    for (int i = 0; i < count; i++) out[i] = digits[count - 1 - i];
    out[count] = '\0';
}

// Puts the listening sockets at 3, 4, ... with close-on-exec cleared, as
// systemd passes them. Every source goes above the target range first, so
// that a source already sitting on another one's target is not clobbered;
// dup2() onto the target then clears close-on-exec on the copy, also where
// a source was at its own target. The report pipe moves out of the range too.
static void place_listen_fds(const hotplug_spawn_options *options, struct report_channel *report) {
    int first_free = 3 + (int)options->listen_count;
    if (report->fd >= 0 && report->fd < first_free) {
        int moved = fcntl(report->fd, F_DUPFD_CLOEXEC, first_free);
        if (moved < 0) child_fail(report, HOTPLUG_SPAWN_STAGE_LISTEN_FDS, errno);
        report->fd = moved;
    }
    int above[HOTPLUG_SPAWN_MAX_LISTEN_FDS];
    for (size_t i = 0; i < options->listen_count; i++) {
        above[i] = fcntl(options->listen_fds[i], F_DUPFD_CLOEXEC, first_free);
        if (above[i] < 0) child_fail(report, HOTPLUG_SPAWN_STAGE_LISTEN_FDS, errno);
    }
    for (size_t i = 0; i < options->listen_count; i++) {
        if (dup2(above[i], 3 + (int)i) < 0) child_fail(report, HOTPLUG_SPAWN_STAGE_LISTEN_FDS, errno);
    }
    if (options->listen_pid_entry != NULL) {
        write_decimal(options->listen_pid_entry + strlen("LISTEN_PID="), (long)syscall(SYS_getpid));
    }
}

// With CLONE_FILES the child starts in the daemon's own descriptor table, so
// it must not touch a descriptor before it has a table of its own: one with
// only the descriptors below `needed_below` (0..2, the daemon's first few and
// the ones the parent placed low for this child), which is all that
// close_range(CLOSE_RANGE_UNSHARE) copies. Where that is missing (Linux
// before 5.9), unshare() copies the whole table; close_from() then empties it.
static void own_descriptor_table(struct report_channel *report, int needed_below) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)needed_below, ~0u, CLOSE_RANGE_UNSHARE) == 0) return;
#endif
    if (unshare(CLONE_FILES) != 0) child_fail(report, HOTPLUG_SPAWN_STAGE_DESCRIPTORS, errno);
}

__attribute__((noreturn))
static void run_child(struct child_start *start) {
    const hotplug_spawn_options *options = start->options;
    int stdin_fd = start->stdin_fd, stdout_fd = start->stdout_fd, stderr_fd = start->stderr_fd;
    int max_fd = start->max_fd;
    struct report_channel *report = &start->channel;
    // clock_gettime() reads the vDSO's memory: no lock, no allocation.
    report->shared->started_ns = boot_nanoseconds();
    // Every signal is blocked (the parent did that around fork()), so first
    // put all dispositions back to default: a handler inherited from the
    // parent must never run in this half-initialised copy. execve() would
    // reset caught signals anyway, but SIG_IGN survives exec and must go.
    // The raw system call also reaches the signals glibc reserves for itself
    // (32 and 33), which its sigaction() wrapper refuses to touch; the parent
    // may have them ignored, and a non-glibc program would inherit that.
    // An all-zero kernel sigaction is SIG_DFL with no flags and an empty mask
    // whatever the architecture's field order.
    unsigned long default_action[4] = { 0, 0, 0, 0 };
    for (int signal_number = 1; signal_number < NSIG; signal_number++) {
        if (signal_number == SIGKILL || signal_number == SIGSTOP) continue;
        syscall(SYS_rt_sigaction, signal_number, default_action, NULL, (size_t)(NSIG / 8));
    }

    if (start->needed_below >= 0) own_descriptor_table(report, start->needed_below);

    // Own session and process group, so the supervisor can signal the whole
    // tree with kill(-pid) and the child has no controlling terminal.
    if (setsid() < 0) child_fail(report, HOTPLUG_SPAWN_STAGE_SETSID, errno);

    if (dup2(stdin_fd, STDIN_FILENO) < 0 || dup2(stdout_fd, STDOUT_FILENO) < 0 ||
        dup2(stderr_fd, STDERR_FILENO) < 0) {
        child_fail(report, HOTPLUG_SPAWN_STAGE_REDIRECT, errno);
    }

    // Raw system calls: the glibc wrappers for set*id() broadcast the change
    // to every thread they believe exists, which is not something to attempt
    // in a forked child. The kernel calls change exactly this (only) thread.
    // Order matters: groups and gid need privileges that setuid() drops.
    if (options->change_groups &&
        syscall(SYS_setgroups, options->group_count, options->groups) != 0) {
        child_fail(report, HOTPLUG_SPAWN_STAGE_SETGROUPS, errno);
    }
    if (options->change_gid &&
        syscall(SYS_setresgid, options->gid, options->gid, options->gid) != 0) {
        child_fail(report, HOTPLUG_SPAWN_STAGE_SETGID, errno);
    }
    if (options->change_uid &&
        syscall(SYS_setresuid, options->uid, options->uid, options->uid) != 0) {
        child_fail(report, HOTPLUG_SPAWN_STAGE_SETUID, errno);
    }

    // After the identity change, so directory permissions are checked as the
    // user the program will run as.
    if (options->working_directory != NULL && chdir(options->working_directory) != 0) {
        child_fail(report, HOTPLUG_SPAWN_STAGE_CHDIR, errno);
    }

    // Nothing of the daemon's (sockets, epoll, signalfd, other children's
    // pipes) may leak into the program.
    int first_inherited = 3;
    if (options->listen_count > 0) {
        if (options->listen_count > HOTPLUG_SPAWN_MAX_LISTEN_FDS) child_fail(report, HOTPLUG_SPAWN_STAGE_LISTEN_FDS, E2BIG);
        place_listen_fds(options, report);
        first_inherited = 3 + (int)options->listen_count;
    }
    close_from(first_inherited, report->fd, max_fd);

    sigset_t empty;
    sigemptyset(&empty);
    if (sigprocmask(SIG_SETMASK, &empty, NULL) != 0) {
        child_fail(report, HOTPLUG_SPAWN_STAGE_SIGNALS, errno);
    }

    execve(options->path, options->argv, options->envp);
    child_fail(report, HOTPLUG_SPAWN_STAGE_EXEC, errno);
}

#ifndef HOTPLUG_SPAWN_BY_VFORK
static int child_entry(void *start) {
    run_child(start);
}
#endif

// ---- parent side ---------------------------------------------------------

static int fail_in_parent(hotplug_spawn_result *result, int stage, int error) {
    result->failed_stage = stage;
    result->failed_errno = error;
    return -1;
}

static void close_pair(int fds[2]) {
    close_preserving_errno(fds[0]);
    close_preserving_errno(fds[1]);
    fds[0] = fds[1] = -1;
}

// An output pipe whose read end, which the daemon keeps, sits above the
// kept floor; the write end, the child's, stays low.
static int output_pipe(int fds[2], int kept_floor) {
    if (cloexec_pipe(fds) != 0) return -1;
    fds[0] = keep_above_floor(fds[0], kept_floor);
    return 0;
}

static int highest(int a, int b) { return a > b ? a : b; }

int hotplug_spawn(const hotplug_spawn_options *options, hotplug_spawn_result *result) {
    result->pid = -1;
    result->pidfd = -1;
    result->stdout_fd = -1;
    result->stderr_fd = -1;
    result->failed_stage = HOTPLUG_SPAWN_STAGE_NONE;
    result->failed_errno = 0;
    result->start_tick = 0;

    int max_fd = highest_possible_fd();
    // Below a generous limit there is no room to keep the daemon's
    // descriptors apart; the spawn still works, it only copies more.
    int kept_floor = max_fd >= 4 * HOTPLUG_SPAWN_KEPT_FLOOR ? HOTPLUG_SPAWN_KEPT_FLOOR : 0;

    int stdout_pipe[2] = { -1, -1 };
    int stderr_pipe[2] = { -1, -1 };
    int report_pipe[2] = { -1, -1 };
    int pipes_failed = output_pipe(stdout_pipe, kept_floor) != 0 || output_pipe(stderr_pipe, kept_floor) != 0;
#ifdef HOTPLUG_SPAWN_BY_VFORK
    if (!pipes_failed) pipes_failed = cloexec_pipe(report_pipe) != 0;
#endif
    if (pipes_failed) {
        int error = errno;
        close_pair(stdout_pipe);
        close_pair(stderr_pipe);
        return fail_in_parent(result, HOTPLUG_SPAWN_STAGE_PIPE, error);
    }

    int stdin_fd = move_above_stdio(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (stdin_fd < 0) {
        int error = errno;
        close_pair(stdout_pipe);
        close_pair(stderr_pipe);
        close_pair(report_pipe);
        return fail_in_parent(result, HOTPLUG_SPAWN_STAGE_OPEN_NULL, error);
    }

    // The sockets, too, must sit below the first descriptor the child does
    // not need: one kept high (opened while the low numbers were taken) gets
    // a low copy for the spawn's duration.
    hotplug_spawn_options child_options = *options;
    int low_listen[HOTPLUG_SPAWN_MAX_LISTEN_FDS];
    int lowered[HOTPLUG_SPAWN_MAX_LISTEN_FDS];
    size_t low_count = options->listen_count <= HOTPLUG_SPAWN_MAX_LISTEN_FDS ? options->listen_count : 0;
    int needed_below = highest(highest(stdin_fd, stdout_pipe[1]), highest(stderr_pipe[1], report_pipe[1])) + 1;
    for (size_t i = 0; i < low_count; i++) {
        int fd = options->listen_fds[i];
        lowered[i] = kept_floor > 0 && fd >= kept_floor ? fcntl(fd, F_DUPFD_CLOEXEC, 3) : -1;
        low_listen[i] = lowered[i] >= 0 ? lowered[i] : fd;
        needed_below = highest(needed_below, low_listen[i] + 1);
    }
    if (low_count > 0) child_options.listen_fds = low_listen;

    // Block everything across the clone so that no signal handler of the
    // parent can run in the child before run_child() has reset them.
    sigset_t all_signals, previous_mask;
    sigfillset(&all_signals);
    pthread_sigmask(SIG_SETMASK, &all_signals, &previous_mask);

    // The child borrows the parent's memory until execve() (see the top of
    // this file); run_child() only makes raw system calls on memory prepared
    // above and never returns. The parent goes on once the child's execve()
    // has replaced its memory, while the kernel finishes the exec; or once
    // the child has left a report and exited.
    volatile struct child_report report = { HOTPLUG_SPAWN_STAGE_NONE, 0, 0 };
    struct child_start start = {
        .options = &child_options, .stdin_fd = stdin_fd, .stdout_fd = stdout_pipe[1], .stderr_fd = stderr_pipe[1],
        .channel = { &report, report_pipe[1] }, .max_fd = max_fd, .needed_below = -1,
    };
    unsigned long long before_fork = boot_nanoseconds();
#ifdef HOTPLUG_SPAWN_BY_VFORK
    pid_t pid = vfork();
    if (pid == 0) run_child(&start);
#else
    start.needed_below = needed_below;
    _Alignas(16) char child_stack[HOTPLUG_SPAWN_CHILD_STACK];
    pid_t pid = clone(child_entry, child_stack + sizeof child_stack,
                      CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, &start);
#endif
    int fork_errno = errno;
    pthread_sigmask(SIG_SETMASK, &previous_mask, NULL);

    // The child has its copies; the parent only keeps the read ends.
    close_preserving_errno(stdin_fd);
    close_preserving_errno(stdout_pipe[1]);
    close_preserving_errno(stderr_pipe[1]);
    close_preserving_errno(report_pipe[1]);
    for (size_t i = 0; i < low_count; i++) close_preserving_errno(lowered[i]);

    if (pid < 0) {
        close_preserving_errno(stdout_pipe[0]);
        close_preserving_errno(stderr_pipe[0]);
        close_preserving_errno(report_pipe[0]);
        return fail_in_parent(result, HOTPLUG_SPAWN_STAGE_FORK, fork_errno);
    }

    // The child stamps the shared report first thing: if the stamp is not
    // here, it ran in memory of its own, and only the pipe can tell (its end
    // means execve() succeeded). With no report, execve() succeeded (or the
    // child was killed before it got there, which its exit status will tell).
    int failed_stage = report.stage, failed_errno = report.error;
    if (report.started_ns == 0 && report_pipe[0] >= 0) {
        struct child_report piped = { HOTPLUG_SPAWN_STAGE_NONE, 0, 0 };
        size_t received = 0;
        while (received < sizeof piped) {
            ssize_t count = read(report_pipe[0], (char *)&piped + received, sizeof piped - received);
            if (count < 0) {
                if (errno == EINTR) continue;
                break; // cannot tell; treat the child as running and let its exit status speak
            }
            if (count == 0) break;
            received += (size_t)count;
        }
        if (received != 0) {
            failed_stage = received == sizeof piped ? piped.stage : HOTPLUG_SPAWN_STAGE_REPORT;
            failed_errno = received == sizeof piped ? piped.error : EPROTO;
        }
    }
    close_preserving_errno(report_pipe[0]);
    if (failed_stage != HOTPLUG_SPAWN_STAGE_NONE) {
        // The child has exited with 127; collect it so no zombie remains.
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
        close_preserving_errno(stdout_pipe[0]);
        close_preserving_errno(stderr_pipe[0]);
        return fail_in_parent(result, failed_stage, failed_errno);
    }

    // Only the read ends become nonblocking: the child's write ends are
    // separate open file descriptions and keep normal blocking writes.
    int flags = fcntl(stdout_pipe[0], F_GETFL);
    if (flags >= 0) fcntl(stdout_pipe[0], F_SETFL, flags | O_NONBLOCK);
    flags = fcntl(stderr_pipe[0], F_GETFL);
    if (flags >= 0) fcntl(stderr_pipe[0], F_SETFL, flags | O_NONBLOCK);

    result->pid = pid;
    result->start_tick = start_tick_between(before_fork, report.started_ns);
    // Safe against pid reuse: the child cannot be reaped by anyone but us
    // before this point, so the pid still names our child. Any failure
    // (ENOSYS on old kernels, EMFILE) leaves -1 and callers fall back to pids.
    result->pidfd = keep_above_floor(hotplug_pidfd_open(pid), kept_floor);
    result->stdout_fd = stdout_pipe[0];
    result->stderr_fd = stderr_pipe[0];
    return 0;
}

int hotplug_pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0u); // pidfds are always close-on-exec
#else
    errno = ENOSYS;
    return -1;
#endif
}

int hotplug_reap_nohang(pid_t pid, int pidfd, int *exited, int *value, int *core_dumped) {
    siginfo_t info;
    int rc;
    for (;;) {
        memset(&info, 0, sizeof info);
        if (pidfd >= 0) {
            rc = waitid(HOTPLUG_P_PIDFD, (id_t)pidfd, &info, WEXITED | WNOHANG);
            if (rc != 0 && errno == EINVAL) {
                // Kernel without P_PIDFD support: the pid is still ours.
                rc = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG);
            }
        } else {
            rc = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG);
        }
        if (rc == 0 || errno != EINTR) break;
    }
    if (rc != 0) return -1;
    if (info.si_pid == 0) return 0; // WNOHANG and still running

    *core_dumped = 0;
    switch (info.si_code) {
    case CLD_EXITED:
        *exited = 1;
        *value = info.si_status;
        break;
    case CLD_DUMPED:
        *core_dumped = 1;
        /* fallthrough */
    default: // CLD_KILLED
        *exited = 0;
        *value = info.si_status;
        break;
    }
    return 1;
}

// ---- epoll -----------------------------------------------------------------

const uint32_t hotplug_epoll_in = EPOLLIN;
const uint32_t hotplug_epoll_out = EPOLLOUT;
const uint32_t hotplug_epoll_err = EPOLLERR;
const uint32_t hotplug_epoll_hup = EPOLLHUP;
const uint32_t hotplug_epoll_rdhup = EPOLLRDHUP;
const uint32_t hotplug_epoll_pri = EPOLLPRI;
const uint32_t hotplug_epoll_et = EPOLLET;
const uint32_t hotplug_epoll_oneshot = EPOLLONESHOT;

const int hotplug_epoll_ctl_add = EPOLL_CTL_ADD;
const int hotplug_epoll_ctl_mod = EPOLL_CTL_MOD;
const int hotplug_epoll_ctl_del = EPOLL_CTL_DEL;

int hotplug_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int hotplug_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t token) {
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = events;
    event.data.u64 = token;
    return epoll_ctl(epfd, op, fd, &event);
}

int hotplug_epoll_wait(int epfd, hotplug_epoll_ready *ready, int capacity, int timeout_ms) {
    enum { BATCH = 64 };
    struct epoll_event events[BATCH];
    if (capacity > BATCH) capacity = BATCH;
    if (capacity < 1) capacity = 1;
    int count = epoll_wait(epfd, events, capacity, timeout_ms);
    for (int i = 0; i < count; i++) {
        ready[i].events = events[i].events;
        ready[i].token = events[i].data.u64;
    }
    return count;
}

// ---- signalfd --------------------------------------------------------------

static int fill_signal_set(sigset_t *set, const int *signals, size_t count) {
    sigemptyset(set);
    for (size_t i = 0; i < count; i++) {
        if (sigaddset(set, signals[i]) != 0) return -1;
    }
    return 0;
}

int hotplug_block_signals(const int *signals, size_t count) {
    sigset_t set;
    if (fill_signal_set(&set, signals, count) != 0) return errno;
    return pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int hotplug_set_blocked_signals(const int *signals, size_t count) {
    sigset_t set;
    if (fill_signal_set(&set, signals, count) != 0) return errno;
    return pthread_sigmask(SIG_SETMASK, &set, NULL);
}

int hotplug_signal_is_blocked(int signal_number) {
    sigset_t current;
    if (pthread_sigmask(SIG_BLOCK, NULL, &current) != 0) return 0;
    return sigismember(&current, signal_number) == 1;
}

int hotplug_signalfd_create(const int *signals, size_t count) {
    sigset_t set;
    if (fill_signal_set(&set, signals, count) != 0) return -1;
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int hotplug_signalfd_read_one(int fd) {
    struct signalfd_siginfo info;
    for (;;) {
        ssize_t count = read(fd, &info, sizeof info);
        if (count == (ssize_t)sizeof info) return (int)info.ssi_signo;
        if (count < 0 && errno == EINTR) continue;
        if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        if (count >= 0) errno = EIO; // short read: the kernel never does this
        return -1;
    }
}

// ---- timerfd ---------------------------------------------------------------

int hotplug_timerfd_create(void) {
    return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
}

int hotplug_timerfd_set_absolute(int fd, uint64_t deadline_ns) {
    struct itimerspec spec;
    memset(&spec, 0, sizeof spec);
    spec.it_value.tv_sec = (time_t)(deadline_ns / 1000000000ull);
    spec.it_value.tv_nsec = (long)(deadline_ns % 1000000000ull);
    return timerfd_settime(fd, deadline_ns == 0 ? 0 : TFD_TIMER_ABSTIME, &spec, NULL);
}
