// floor-monitor: the least a program can do to run a command per device, the
// floor hotplugd is measured against: a libudev monitor and posix_spawn.
//
//     floor-monitor SOURCE PREFIX CMD [ARG...]    run CMD ARG... NAME per add
//     floor-monitor SOURCE PREFIX --record FILE   append "ACTION NAME NS" per event
//
// SOURCE is "udev" or "kernel"; only net devices whose name starts with
// PREFIX count. Prints "ready" once it listens.
#include <libudev.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc < 4) return 2;
    const char *prefix = argv[2];
    FILE *record = strcmp(argv[3], "--record") == 0 && argc > 4 ? fopen(argv[4], "a") : NULL;
    signal(SIGCHLD, SIG_IGN); // the kernel reaps the children
    struct udev *udev = udev_new();
    struct udev_monitor *monitor = udev_monitor_new_from_netlink(udev, argv[1]);
    if (monitor == NULL) return 1;
    udev_monitor_filter_add_match_subsystem_devtype(monitor, "net", NULL);
    udev_monitor_set_receive_buffer_size(monitor, 32 << 20);
    if (udev_monitor_enable_receiving(monitor) < 0) return 1;
    printf("ready\n");
    fflush(stdout);

    char *child[64] = { 0 };
    int count = 0;
    for (int i = 3; i < argc && count < 62; i++) child[count++] = argv[i];
    struct pollfd socket = { .fd = udev_monitor_get_fd(monitor), .events = POLLIN };
    for (;;) {
        if (poll(&socket, 1, -1) < 0) continue;
        struct udev_device *device;
        while ((device = udev_monitor_receive_device(monitor)) != NULL) {
            const char *action = udev_device_get_action(device);
            const char *name = udev_device_get_sysname(device);
            if (action && name && strncmp(name, prefix, strlen(prefix)) == 0) {
                if (record) {
                    struct timespec now;
                    clock_gettime(CLOCK_MONOTONIC, &now);
                    fprintf(record, "%s %s %lld\n", action, name, (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
                    fflush(record);
                } else if (strcmp(action, "add") == 0) {
                    pid_t pid;
                    child[count] = (char *)name;
                    posix_spawn(&pid, child[0], NULL, NULL, child, environ);
                }
            }
            udev_device_unref(device);
        }
    }
}
