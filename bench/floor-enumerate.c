// floor-enumerate: the least a program can do to run a command per device
// already present at its start, the floor of hotplugd's coldplug: one libudev
// enumeration and posix_spawn.
//
//     floor-enumerate PREFIX CMD [ARG...]    run CMD ARG... NAME per device, exit
//                                            (an ARG "{}" is the NAME instead)
//     floor-enumerate PREFIX --count         print how many devices there are
//
// Only net devices whose name starts with PREFIX count; the enumeration itself
// filters by name (udev_enumerate_add_match_sysname), and the name is taken
// from the device's sysfs path, so no device object is made. The children
// are not waited for: they are left to init.
#include <libudev.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    int count_only = strcmp(argv[2], "--count") == 0;
    char pattern[64];
    if (snprintf(pattern, sizeof pattern, "%s*", argv[1]) >= (int)sizeof pattern) return 2;
    signal(SIGCHLD, SIG_IGN);
    struct udev *udev = udev_new();
    struct udev_enumerate *enumerate = udev_enumerate_new(udev);
    if (enumerate == NULL) return 1;
    udev_enumerate_add_match_subsystem(enumerate, "net");
    udev_enumerate_add_match_sysname(enumerate, pattern);
    if (udev_enumerate_scan_devices(enumerate) < 0) return 1;

    char *child[64] = { 0 };
    int count = 0;
    if (!count_only)
        for (int i = 2; i < argc && count < 62; i++) child[count++] = argv[i];
    int name_at = count;
    for (int i = 1; i < count; i++)
        if (strcmp(child[i], "{}") == 0) name_at = i;
    int devices = 0;
    for (struct udev_list_entry *entry = udev_enumerate_get_list_entry(enumerate); entry;
         entry = udev_list_entry_get_next(entry)) {
        const char *path = udev_list_entry_get_name(entry);
        const char *slash = strrchr(path, '/');
        devices++;
        if (count_only || slash == NULL) continue;
        pid_t pid;
        child[name_at] = (char *)slash + 1;
        posix_spawn(&pid, child[0], NULL, NULL, child, environ);
    }
    if (count_only) printf("%d\n", devices);
    return 0;
}
