#ifndef HOTPLUG_SOCKET_H
#define HOTPLUG_SOCKET_H

#include <sys/types.h>
#include <sys/socket.h>

/* accept4() with SOCK_NONBLOCK | SOCK_CLOEXEC; -1 and errno on failure.
   Wrapped because glibc declares it only under _GNU_SOURCE. */
int hotplug_accept_nonblocking(int listener);

/* The peer's uid from SO_PEERCRED; 0 on success, -1 and errno on failure. */
int hotplug_peer_uid(int fd, uid_t *uid);

/* Which step of opening a listening socket failed. */
enum {
    HOTPLUG_LISTEN_NONE = 0,
    HOTPLUG_LISTEN_SOCKET = 1,
    HOTPLUG_LISTEN_OPTIONS = 2,
    HOTPLUG_LISTEN_BIND_DEVICE = 3,
    HOTPLUG_LISTEN_BIND = 4,
    HOTPLUG_LISTEN_LISTEN = 5,
};

typedef struct {
    int family;               /* 0: any address, dual-stack on ::; 4; 6 */
    const unsigned char *address; /* 4 or 16 bytes; unused for 0 */
    unsigned short port;
    int stream;               /* nonzero: SOCK_STREAM and listen(); else SOCK_DGRAM */
    int backlog;
    int ifindex;              /* SO_BINDTOIFINDEX, or 0 for none */
    int reuse_port;           /* SO_REUSEPORT */
} hotplug_listen_spec;

/* A close-on-exec socket bound (and listening, for streams) as the spec
   says; -1 with errno and *failed_step on failure, with nothing left open. */
int hotplug_listen_socket(const hotplug_listen_spec *spec, int *failed_step);

/* 1 if the stream socket is listening (SO_ACCEPTCONN), 0 if it is not (a
   child shut it down), -1 and errno on failure. */
int hotplug_socket_accepts(int fd);

/* listen() again on a socket that still holds its address after a
   shutdown(2); 0 on success, -1 and errno on failure. */
int hotplug_listen_again(int fd, int backlog);

/* 1 if the open descriptor is on procfs (fstatfs's PROC_SUPER_MAGIC), 0 if
   not, -1 and errno on failure. Wrapped because Swift's Glibc module does
   not import <sys/vfs.h>. */
int hotplug_is_procfs(int fd);

/* One datagram to `address`, with `descriptor` passed along (SCM_RIGHTS)
   when it is not -1; retried on EINTR, MSG_NOSIGNAL. The byte count sent,
   or -1 and errno. For systemd's notify and journal sockets, where the
   journal takes an oversized entry as a sealed memfd. */
ssize_t hotplug_send_datagram(int socket, const struct sockaddr *address, socklen_t address_length,
                              const void *bytes, size_t count, int descriptor);

#endif
