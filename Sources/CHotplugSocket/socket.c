#define _GNU_SOURCE
#include <stddef.h>
#include <sys/socket.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include "hotplug_socket.h"

#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX 62
#endif

int hotplug_accept_nonblocking(int listener) {
    return accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int hotplug_peer_uid(int fd, uid_t *uid) {
    struct ucred credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return -1;
    *uid = credentials.uid;
    return 0;
}

int hotplug_listen_socket(const hotplug_listen_spec *spec, int *failed_step) {
    int family = spec->family == 4 ? AF_INET : AF_INET6;
    int type = (spec->stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC;
    *failed_step = HOTPLUG_LISTEN_SOCKET;
    int fd = socket(family, type, 0);
    if (fd < 0) return -1;

    int one = 1;
    *failed_step = HOTPLUG_LISTEN_OPTIONS;
    // As systemd does for its listening sockets: a restart of the service
    // must not wait for TIME_WAIT connections of the previous one.
    if (spec->stream && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) goto fail;
    if (spec->reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) goto fail;
    if (family == AF_INET6) {
        // Off, as systemd's BindIPv6Only=default on a stock kernel: "PORT"
        // and "[::]:PORT" are both dual-stack; a specific IPv6 address
        // accepts only itself either way. `check` treats [::] as every address.
        int v6only = 0;
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) != 0) goto fail;
    }
    // Right after plug an IPv6 address may still be tentative (DAD), and
    // binding to it fails without this.
    if (spec->family != 0 && setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one) != 0) goto fail;
    // By index, never by name: a name can go stale while a rename (ours or
    // udev's) is in flight; the index stays the device's.
    if (spec->ifindex > 0) {
        *failed_step = HOTPLUG_LISTEN_BIND_DEVICE;
        if (setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &spec->ifindex, sizeof spec->ifindex) != 0) goto fail;
    }

    *failed_step = HOTPLUG_LISTEN_BIND;
    if (family == AF_INET) {
        struct sockaddr_in address;
        memset(&address, 0, sizeof address);
        address.sin_family = AF_INET;
        address.sin_port = htons(spec->port);
        memcpy(&address.sin_addr, spec->address, 4);
        if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0) goto fail;
    } else {
        struct sockaddr_in6 address;
        memset(&address, 0, sizeof address);
        address.sin6_family = AF_INET6;
        address.sin6_port = htons(spec->port);
        if (spec->family == 6) memcpy(&address.sin6_addr, spec->address, 16);
        if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0) goto fail;
    }
    if (spec->stream) {
        *failed_step = HOTPLUG_LISTEN_LISTEN;
        if (listen(fd, spec->backlog) != 0) goto fail;
    }
    *failed_step = HOTPLUG_LISTEN_NONE;
    return fd;

fail: {
        int error = errno;
        close(fd);
        errno = error;
        return -1;
    }
}

int hotplug_socket_accepts(int fd) {
    int accepting = 0;
    socklen_t length = sizeof accepting;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) != 0) return -1;
    return accepting ? 1 : 0;
}

int hotplug_listen_again(int fd, int backlog) {
    return listen(fd, backlog);
}
