// hotplug_pidfd.h — signals through a pidfd. pidfd_send_signal(2) has no
// glibc wrapper before 2.36 and syscall(2) is variadic, which Swift cannot
// call, hence this one function.
#ifndef HOTPLUG_PIDFD_H
#define HOTPLUG_PIDFD_H

#ifdef __cplusplus
extern "C" {
#endif

// pidfd_send_signal(pidfd, signal, NULL, flags): to the process itself, or
// with whole_group nonzero (PIDFD_SIGNAL_PROCESS_GROUP, Linux 6.9) to the
// process group whose id is that process's pid. Returns 0, or -1 with errno
// set: ESRCH when nothing is left to signal, EINVAL for a kernel without
// the group flag, ENOSYS before Linux 5.1.
int hotplug_pidfd_send_signal(int pidfd, int signal, int whole_group);

#ifdef __cplusplus
}
#endif

#endif
