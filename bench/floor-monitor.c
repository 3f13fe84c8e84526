// floor-monitor: the least a program can do to run a command per device, the
// floor hotplugd is measured against: a libudev monitor and posix_spawn.
//
//     floor-monitor SOURCE PREFIX CMD [ARG...]    run CMD ARG... NAME per add (an
//                                                 ARG "{}" is the NAME instead)
//     floor-monitor SOURCE PREFIX --stop-on-remove CMD [ARG...]
//                                                 the same, and SIGTERM to that
//                                                 child on the device's remove
//     floor-monitor SOURCE PREFIX --record FILE   append "ACTION NAME NS" per event
//
// SOURCE is "udev" or "kernel"; only net devices whose name starts with
// PREFIX count. Prints "ready" once it listens. Children are reaped by the
// kernel (SIGCHLD ignored).
#include <libudev.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

extern char **environ;

// --stop-on-remove: the child of each device by name, in an open-addressing
// table of fixed size. An entry is never moved: a removed device leaves its
// name with pid 0, reused when the name comes back. Once half the slots hold
// names, further names are not remembered (and their children not stopped).
#define SLOTS 65536
static struct { char name[IF_NAMESIZE]; pid_t pid; } table[SLOTS];
static int used;

static unsigned slot_of(const char *name) {
    unsigned hash = 2166136261u;
    for (const char *c = name; *c; c++) hash = (hash ^ (unsigned char)*c) * 16777619u;
    return hash & (SLOTS - 1);
}

static void remember(const char *name, pid_t pid) {
    if (strlen(name) >= IF_NAMESIZE) return;
    unsigned i = slot_of(name);
    while (table[i].name[0] != 0 && strcmp(table[i].name, name) != 0) i = (i + 1) & (SLOTS - 1);
    if (table[i].name[0] == 0) {
        if (used >= SLOTS / 2) return;
        used++;
        strcpy(table[i].name, name);
    }
    table[i].pid = pid;
}

static pid_t forget(const char *name) {
    unsigned i = slot_of(name);
    while (table[i].name[0] != 0 && strcmp(table[i].name, name) != 0) i = (i + 1) & (SLOTS - 1);
    pid_t pid = table[i].pid; // 0 for an empty slot: never remembered
    table[i].pid = 0;
    return pid;
}

int main(int argc, char **argv) {
    if (argc < 4) return 2;
    const char *prefix = argv[2];
    FILE *record = strcmp(argv[3], "--record") == 0 && argc > 4 ? fopen(argv[4], "a") : NULL;
    int stop_on_remove = strcmp(argv[3], "--stop-on-remove") == 0;
    if (stop_on_remove && argc < 5) return 2;
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
    for (int i = stop_on_remove ? 4 : 3; i < argc && count < 62; i++) child[count++] = argv[i];
    int name_at = count;
    for (int i = 1; i < count; i++)
        if (strcmp(child[i], "{}") == 0) name_at = i;
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
                    child[name_at] = (char *)name;
                    if (posix_spawn(&pid, child[0], NULL, NULL, child, environ) == 0 && stop_on_remove)
                        remember(name, pid);
                } else if (stop_on_remove && strcmp(action, "remove") == 0) {
                    pid_t pid = forget(name);
                    if (pid > 0) kill(pid, SIGTERM);
                }
            }
            udev_device_unref(device);
        }
    }
}
