#ifndef HOTPLUG_SOCKET_H
#define HOTPLUG_SOCKET_H

#include <sys/types.h>

/* accept4() with SOCK_NONBLOCK | SOCK_CLOEXEC; -1 and errno on failure.
   Wrapped because glibc declares it only under _GNU_SOURCE. */
int hotplug_accept_nonblocking(int listener);

/* The peer's uid from SO_PEERCRED; 0 on success, -1 and errno on failure. */
int hotplug_peer_uid(int fd, uid_t *uid);

#endif
