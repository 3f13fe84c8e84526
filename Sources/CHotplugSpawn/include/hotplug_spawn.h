// hotplug_spawn.h — the parts of process spawning and event-loop plumbing
// that cannot be written safely (or at all) in Swift.
//
// Why C: between fork() and execve() a multi-threaded process may only call
// async-signal-safe functions. Swift code may allocate, take runtime locks or
// touch reference counts, any of which can deadlock in the child. Everything
// the child does therefore lives in spawn.c and only uses raw system calls on
// memory prepared by the parent.
//
// The epoll / signalfd / timerfd / pidfd headers are not part of Swift's Glibc
// module (and struct epoll_event is packed on x86_64), so thin wrappers with
// plain, unpacked types are provided here too.
#ifndef HOTPLUG_SPAWN_H
#define HOTPLUG_SPAWN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

// Where a spawn failed. The child leaves them in the parent's memory, and
// they are logged by number, so they are fixed rather than left to the compiler.
typedef enum {
    HOTPLUG_SPAWN_STAGE_NONE = 0,
    HOTPLUG_SPAWN_STAGE_PIPE = 1,       // parent: pipe2() for output or error reporting
    HOTPLUG_SPAWN_STAGE_OPEN_NULL = 2,  // parent: open("/dev/null")
    HOTPLUG_SPAWN_STAGE_FORK = 3,       // parent: fork()
    HOTPLUG_SPAWN_STAGE_SETSID = 4,     // child
    HOTPLUG_SPAWN_STAGE_REDIRECT = 5,   // child: dup2() onto 0/1/2
    HOTPLUG_SPAWN_STAGE_SETGROUPS = 6,  // child
    HOTPLUG_SPAWN_STAGE_SETGID = 7,     // child
    HOTPLUG_SPAWN_STAGE_SETUID = 8,     // child
    HOTPLUG_SPAWN_STAGE_CHDIR = 9,      // child
    HOTPLUG_SPAWN_STAGE_SIGNALS = 10,   // child: resetting the signal mask
    HOTPLUG_SPAWN_STAGE_EXEC = 11,      // child: execve()
    HOTPLUG_SPAWN_STAGE_REPORT = 12,    // parent: the report pipe (read only where vfork is a fork) delivered a malformed report
    HOTPLUG_SPAWN_STAGE_LISTEN_FDS = 13, // child: placing the sockets at fd 3 onwards
    HOTPLUG_SPAWN_STAGE_DESCRIPTORS = 14, // child: taking a descriptor table of its own (close_range/unshare)
} hotplug_spawn_stage;

// Descriptors the daemon keeps for as long as a child runs (its output pipes'
// read ends, its pidfd) are moved to this number or above, where the limit
// allows, so that the low numbers stay for the few a new child needs: a child
// copies only the descriptors below the highest one it needs.
#define HOTPLUG_SPAWN_KEPT_FLOOR 256

// systemd's socket activation passes at most this many descriptors here.
#define HOTPLUG_SPAWN_MAX_LISTEN_FDS 64

typedef struct {
    const char *path;                 // already resolved executable path
    char *const *argv;                // NULL-terminated
    char *const *envp;                // NULL-terminated, passed verbatim
    const char *working_directory;    // NULL: inherit the parent's
    int change_groups;                // nonzero: setgroups(group_count, groups)
    const gid_t *groups;
    size_t group_count;
    int change_gid;                   // nonzero: setresgid(gid, gid, gid)
    gid_t gid;
    int change_uid;                   // nonzero: setresuid(uid, uid, uid)
    uid_t uid;
    // Socket activation: these descriptors become 3, 4, ... in the child,
    // without close-on-exec, in this order.
    const int *listen_fds;
    size_t listen_count;
    // An envp entry "LISTEN_PID=" with room for 20 more bytes: the child
    // writes its own pid there, which only it knows before execve().
    char *listen_pid_entry;
} hotplug_spawn_options;

typedef struct {
    pid_t pid;
    int pidfd;          // -1 when pidfd_open is unavailable
    int stdout_fd;      // read end, O_NONBLOCK | O_CLOEXEC
    int stderr_fd;      // read end, O_NONBLOCK | O_CLOEXEC
    int failed_stage;   // hotplug_spawn_stage, NONE on success
    int failed_errno;
    // The child's start time as /proc/PID/stat field 22 gives it (clock ticks
    // since boot), known from the boot clock read just before the fork and
    // first thing in the child; 0 when a tick began in between, and only
    // /proc can tell.
    unsigned long long start_tick;
} hotplug_spawn_result;

// Returns 0 and fills pid/pidfd/stdout_fd/stderr_fd once the child has
// successfully called execve(). Returns -1 with failed_stage/failed_errno set
// otherwise; in that case no descriptors are left open and any child that was
// forked has already been reaped.
int hotplug_spawn(const hotplug_spawn_options *options, hotplug_spawn_result *result);

// pidfd_open(2) via syscall(2) because older glibc lacks the wrapper.
// Returns the descriptor or -1 with errno set.
int hotplug_pidfd_open(pid_t pid);

// Non-blocking waitid(WEXITED | WNOHANG) on a pidfd (P_PIDFD) or, when
// pidfd < 0, on the pid (P_PID).
// Returns 1 when the child was reaped (outputs filled in), 0 while it is still
// running, -1 with errno set on failure.
// *exited is 1 for a normal exit (value = exit code) and 0 for death by
// signal (value = signal number, *core_dumped set).
int hotplug_reap_nohang(pid_t pid, int pidfd, int *exited, int *value, int *core_dumped);

// ---- epoll -------------------------------------------------------------

extern const uint32_t hotplug_epoll_in;
extern const uint32_t hotplug_epoll_out;
extern const uint32_t hotplug_epoll_err;
extern const uint32_t hotplug_epoll_hup;
extern const uint32_t hotplug_epoll_rdhup;
extern const uint32_t hotplug_epoll_pri;
extern const uint32_t hotplug_epoll_et;
extern const uint32_t hotplug_epoll_oneshot;

extern const int hotplug_epoll_ctl_add;
extern const int hotplug_epoll_ctl_mod;
extern const int hotplug_epoll_ctl_del;

// An unpacked stand-in for struct epoll_event.
typedef struct {
    uint32_t events;
    uint64_t token;
} hotplug_epoll_ready;

int hotplug_epoll_create(void);
int hotplug_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t token);
// Fills at most `capacity` entries; returns the count or -1 with errno set
// (EINTR is returned to the caller, which decides how to retry).
int hotplug_epoll_wait(int epfd, hotplug_epoll_ready *ready, int capacity, int timeout_ms);

// ---- signalfd ----------------------------------------------------------

// Adds `signals` to the calling thread's blocked mask (pthread_sigmask).
// Returns 0 or an errno value.
int hotplug_block_signals(const int *signals, size_t count);
// Replaces the calling thread's blocked set with `signals` (for tests and
// for restoring state). Returns 0 or an errno value.
int hotplug_set_blocked_signals(const int *signals, size_t count);
// Returns nonzero when `signal` is blocked in the calling thread.
int hotplug_signal_is_blocked(int signal);
// Nonblocking, close-on-exec signalfd for `signals`. Returns fd or -1/errno.
int hotplug_signalfd_create(const int *signals, size_t count);
// Reads one pending signal. Returns its number, 0 when nothing is pending
// (EAGAIN), or -1 with errno set.
int hotplug_signalfd_read_one(int fd);

// ---- timerfd -----------------------------------------------------------

// Nonblocking, close-on-exec CLOCK_MONOTONIC timerfd. Returns fd or -1/errno.
int hotplug_timerfd_create(void);
// Arms the timer for an absolute CLOCK_MONOTONIC deadline in nanoseconds;
// a deadline of 0 disarms it. Returns 0 or -1 with errno set.
int hotplug_timerfd_set_absolute(int fd, uint64_t deadline_ns);

#ifdef __cplusplus
}
#endif

#endif
