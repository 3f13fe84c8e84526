#ifndef HOTPLUG_REEXEC_H
#define HOTPLUG_REEXEC_H

/* The calls of `hotplugd reexec` that glibc declares only under _GNU_SOURCE. */

/* A memfd that may be sealed, close-on-exec; -1 and errno on failure. */
int hotplug_memfd_sealable(const char *name);

/* pipe2(O_CLOEXEC); 0, or -1 and errno. */
int hotplug_pipe_cloexec(int ends[2]);

#endif
