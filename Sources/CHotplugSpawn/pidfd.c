#define _GNU_SOURCE
#include "hotplug_pidfd.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PIDFD_SIGNAL_PROCESS_GROUP
#define PIDFD_SIGNAL_PROCESS_GROUP (1U << 2)
#endif

int hotplug_pidfd_send_signal(int pidfd, int signal, int whole_group) {
#ifdef SYS_pidfd_send_signal
    unsigned int flags = whole_group ? PIDFD_SIGNAL_PROCESS_GROUP : 0u;
    return (int)syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, flags);
#else
    (void)pidfd;
    (void)signal;
    (void)whole_group;
    errno = ENOSYS;
    return -1;
#endif
}
