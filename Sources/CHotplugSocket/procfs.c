#include "hotplug_socket.h"

#include <linux/magic.h>
#include <sys/vfs.h>

int hotplug_is_procfs(int fd) {
    struct statfs filesystem;
    if (fstatfs(fd, &filesystem) != 0)
        return -1;
    return filesystem.f_type == PROC_SUPER_MAGIC;
}
