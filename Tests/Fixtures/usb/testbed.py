#!/usr/bin/python3
"""Drives a umockdev testbed for hotplugd's USB tests, one command per line.

Run it as

    umockdev-wrapper /usr/bin/python3 testbed.py [--isolated] [--rules FILE]...

(Debian's python3: it has python3-gi). It creates an empty testbed, then
reads commands from stdin. Every program it starts inherits the preload
library and UMOCKDEV_DIR, so it sees the testbed's /sys and /dev and its
uevents instead of the machine's. Replies go to stdout as "testbed: ..."
lines; the programs' own stdout and stderr pass straight through.

Commands (FILE is a *.umockdev fixture, ARGV a JSON list):

    plug FILE             add FILE's devices; umockdev sends an "add" for each
    unplug FILE           "remove" for FILE's devices, children first, then delete them
    move SYSPATH NAME     rename a net device as the kernel does, then send "move"
    start ARGV            start the program under test in the background
    run ARGV              run a program to its end; replies "testbed: exit N"
    stop                  SIGTERM to the started program; replies "testbed: stopped N"
    udev-init FILE        (--isolated only) `udevadm test --action=add` on each of
                          FILE's devices: udev's own rules run on the fake devices
                          and write its database, as udevd does when it finishes
                          an event; its output is relayed as "udevadm: ..." lines
    quit

--isolated first re-executes everything inside new mount and network
namespaces (needs root), where /run/udev and /dev are private scratch
filesystems and the only network interface is a private loopback. Nothing
there can reach the machine's udev database, its /dev or its interfaces: the
recorded devices' ifindexes may well exist on the host. /run/udev/control
exists there, so programs take udevd for running; --rules copies udev rules
files into the private /run/udev/rules.d for udev-init.
"""

import json
import os
import shutil
import signal
import stat
import subprocess
import sys

INSIDE_MARK = "HOTPLUGD_TESTBED_INSIDE"


def reply(text):
    sys.stdout.write("testbed: " + text + "\n")
    sys.stdout.flush()


def fail(text):
    reply("error " + text)


def parse_options(argv):
    isolated, rules = False, []
    index = 0
    while index < len(argv):
        if argv[index] == "--isolated":
            isolated = True
        elif argv[index] == "--rules" and index + 1 < len(argv):
            index += 1
            rules.append(os.path.abspath(argv[index]))
        else:
            raise SystemExit("testbed.py: unknown argument " + argv[index])
        index += 1
    return isolated, rules


def run_quietly(argv):
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        raise SystemExit("testbed.py: %s failed: %s" % (" ".join(argv), result.stdout.strip()))


def enter_isolation(rules):
    """Re-executes this script in private mount and network namespaces."""
    if os.environ.get(INSIDE_MARK) == "1":
        prepare_private_filesystems(rules)
        return
    if os.geteuid() != 0:
        raise SystemExit("testbed.py: --isolated needs root (unshare)")
    environment = dict(os.environ, **{INSIDE_MARK: "1"})
    # unshare needs no preload library; umockdev-wrapper sets it again for
    # the inner run, whose mounts happen before any testbed exists.
    environment.pop("LD_PRELOAD", None)
    argv = ["unshare", "--mount", "--net", "--propagation", "private", "--",
            "umockdev-wrapper", sys.executable, os.path.abspath(__file__), "--isolated"]
    for path in rules:
        argv += ["--rules", path]
    os.execvpe("unshare", argv, environment)


def prepare_private_filesystems(rules):
    """Scratch /run/udev and /dev for this mount namespace only."""
    run_quietly(["mount", "-t", "tmpfs", "-o", "mode=0755", "hotplugd-test-udev", "/run/udev"])
    for directory in ["rules.d", "data", "tags"]:
        os.makedirs("/run/udev/" + directory, exist_ok=True)
    # udevd's presence is decided by its control socket; an empty file is enough.
    open("/run/udev/control", "w").close()
    for path in rules:
        shutil.copy(path, "/run/udev/rules.d/" + os.path.basename(path))
    # udev writes /dev/serial/by-id links and node permissions: keep them here.
    run_quietly(["mount", "-t", "tmpfs", "-o", "mode=0755", "hotplugd-test-dev", "/dev"])
    for name, major, minor in [("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8),
                               ("urandom", 1, 9), ("tty", 5, 0)]:
        os.mknod("/dev/" + name, stat.S_IFCHR | 0o666, os.makedev(major, minor))
        os.chmod("/dev/" + name, 0o666)
    os.makedirs("/dev/pts")
    run_quietly(["mount", "-t", "devpts", "-o", "newinstance,ptmxmode=0666,mode=0620", "devpts", "/dev/pts"])
    os.symlink("pts/ptmx", "/dev/ptmx")
    os.symlink("/proc/self/fd", "/dev/fd")
    run_quietly(["ip", "link", "set", "lo", "up"])


def device_paths(fixture):
    """The /sys paths of a fixture's devices, in file order (parents first)."""
    paths = []
    with open(fixture, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("P: "):
                paths.append("/sys" + line[3:].strip())
    return paths


class Driver:
    def __init__(self, isolated):
        # Imported here: GI must load inside the preload, after any re-exec.
        import gi
        gi.require_version("UMockdev", "1.0")
        from gi.repository import UMockdev
        self.testbed = UMockdev.Testbed.new()
        self.isolated = isolated
        self.program = None
        # Devices renamed by `move`: old syspath -> new one, for `unplug`.
        self.moved = {}

    def plug(self, fixture):
        self.testbed.add_from_file(fixture)
        reply("ok plug " + os.path.basename(fixture))

    def current_path(self, path):
        for old, new in self.moved.items():
            if path == old or path.startswith(old + "/"):
                return new + path[len(old):]
        return path

    def unplug(self, fixture):
        for recorded in reversed(device_paths(fixture)):
            path = self.current_path(recorded)
            self.testbed.uevent(path, "remove")
            self.testbed.remove_device(path)
        reply("ok unplug " + os.path.basename(fixture))

    def move(self, syspath, new_name):
        """What the kernel does on a rename: new directory, class link, move event."""
        old_name = os.path.basename(syspath)
        parent = os.path.dirname(syspath)
        root = self.testbed.get_root_dir()
        new_syspath = parent + "/" + new_name
        os.rename(root + syspath, root + new_syspath)
        link = root + "/sys/class/net/"
        if os.path.lexists(link + old_name):
            target = os.readlink(link + old_name)
            os.unlink(link + old_name)
            os.symlink(target[: -len(old_name)] + new_name, link + new_name)
        self.testbed.set_property(new_syspath, "INTERFACE", new_name)
        self.testbed.set_property(new_syspath, "DEVPATH_OLD", syspath[len("/sys"):])
        self.testbed.uevent(new_syspath, "move")
        for old, new in list(self.moved.items()):
            if new == syspath:
                self.moved[old] = new_syspath
        self.moved.setdefault(syspath, new_syspath)
        reply("ok move " + new_syspath)

    def start(self, argv):
        if self.program is not None:
            fail("a program is already running")
            return
        self.program = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
        reply("ok start %d" % self.program.pid)

    def run(self, argv):
        status = subprocess.run(argv, stdin=subprocess.DEVNULL).returncode
        sys.stdout.flush()
        reply("exit %d" % status)

    def stop(self):
        if self.program is None:
            reply("stopped none")
            return
        self.program.send_signal(signal.SIGTERM)
        try:
            status = self.program.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.program.kill()
            status = self.program.wait()
        self.program = None
        reply("stopped %d" % status)

    def udev_init(self, fixture):
        if not self.isolated:
            fail("udev-init writes udev's database and needs --isolated")
            return
        for path in device_paths(fixture):
            result = subprocess.run(["udevadm", "test", "--action=add", path], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for line in result.stdout.splitlines():
                sys.stdout.write("udevadm: %s: %s\n" % (path, line))
            if result.returncode != 0:
                fail("udevadm test %s exited %d" % (path, result.returncode))
                return
        reply("ok udev-init " + os.path.basename(fixture))

    def handle(self, line):
        words = line.split(" ", 1)
        command, rest = words[0], (words[1] if len(words) > 1 else "")
        if command == "plug":
            self.plug(rest)
        elif command == "unplug":
            self.unplug(rest)
        elif command == "move":
            syspath, new_name = rest.split(" ", 1)
            self.move(syspath, new_name)
        elif command == "start":
            self.start(json.loads(rest))
        elif command == "run":
            self.run(json.loads(rest))
        elif command == "stop":
            self.stop()
        elif command == "udev-init":
            self.udev_init(rest)
        else:
            fail("unknown command " + command)


def main():
    isolated, rules = parse_options(sys.argv[1:])
    if isolated:
        enter_isolation(rules)
    driver = Driver(isolated)
    reply("ready " + driver.testbed.get_root_dir())
    for raw in sys.stdin:
        line = raw.strip()
        if not line:
            continue
        if line == "quit":
            break
        try:
            driver.handle(line)
        except Exception as error:  # report and keep serving: the test decides
            fail("%s: %s" % (line.split(" ", 1)[0], error))
    # stdin closed or "quit": never leave the program under test behind.
    if driver.program is not None:
        driver.stop()
    reply("bye")


if __name__ == "__main__":
    main()
