#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hotplug_reexec.h"

int hotplug_memfd_sealable(const char *name) {
    return memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
}

int hotplug_pipe_cloexec(int ends[2]) {
    return pipe2(ends, O_CLOEXEC);
}
