import HotplugCore

/// What a daemon writes down about each child it starts, so that the next
/// daemon on the same socket can stop it if this one dies without doing so.
///
/// ```
/// hotplugd-child 1
/// instance 3f0c2a9be1d84c71
/// daemon 812 4411
/// child 4242 5120
/// stop 15 5000000000
/// binding gamelink
/// devpath /devices/pci0000:00/.../net/usb0
/// ```
///
/// `daemon` and `child` are pid and start time (see `ProcessIdentity`);
/// `stop` is the signal number and the timeout in nanoseconds. The devpath
/// comes last and runs to the end, so no byte in it can end a field early.
struct ChildRecord: Sendable, Equatable {
    /// The `DaemonIdentity` key, on the record's `instance` line (its
    /// name since version 1).
    var daemonKey: String
    var daemon: ProcessIdentity
    var child: ProcessIdentity
    var stop: StopSequence
    var binding: String
    var devpath: String

    static let header = "hotplugd-child 1"

    /// The longest record read; ours are far shorter (a devpath is a sysfs path).
    static let maximumBytes = 16384

    var text: String {
        """
        \(Self.header)
        instance \(daemonKey)
        daemon \(daemon.pid) \(daemon.startTime)
        child \(child.pid) \(child.startTime)
        stop \(stop.signal.number) \(stop.timeout.nanoseconds)
        binding \(binding)
        devpath \(devpath)
        """ + "\n"
    }

    /// Nil for anything that is not exactly a record in this format.
    init?(parsing text: String) {
        let lines = text.split(separator: "\n", maxSplits: 6, omittingEmptySubsequences: false)
        guard lines.count == 7, lines[0] == Self.header,
              let daemonKey = Self.field("instance", lines[1]),
              let daemon = Self.identity(Self.field("daemon", lines[2])),
              let child = Self.identity(Self.field("child", lines[3])),
              let stop = Self.stop(Self.field("stop", lines[4])),
              let binding = Self.field("binding", lines[5]), !binding.isEmpty,
              let last = Self.field("devpath", lines[6]), last.hasSuffix("\n") else { return nil }
        self.init(daemonKey: daemonKey, daemon: daemon, child: child, stop: stop, binding: binding,
                  devpath: String(last.dropLast()))
    }

    init(daemonKey: String, daemon: ProcessIdentity, child: ProcessIdentity, stop: StopSequence, binding: String, devpath: String) {
        self.daemonKey = daemonKey
        self.daemon = daemon
        self.child = child
        self.stop = stop
        self.binding = binding
        self.devpath = devpath
    }

    static func field(_ name: String, _ line: Substring) -> String? {
        guard line.hasPrefix(name + " ") else { return nil }
        return String(line.dropFirst(name.count + 1))
    }

    static func identity(_ text: String?) -> ProcessIdentity? {
        guard let parts = text?.split(separator: " ", omittingEmptySubsequences: false), parts.count == 2,
              let pid = Int32(parts[0]), pid > 1, let start = UInt64(parts[1]) else { return nil }
        return ProcessIdentity(pid: pid, startTime: start)
    }

    static func stop(_ text: String?) -> StopSequence? {
        guard let parts = text?.split(separator: " ", omittingEmptySubsequences: false), parts.count == 2,
              let number = Int32(parts[0]), Signal.standard.contains(where: { $0.number == number }),
              let nanoseconds = UInt64(parts[1]), nanoseconds <= 86_400_000_000_000 else { return nil }
        return StopSequence(signal: Signal(number: number), timeout: TimeSpan(nanoseconds: nanoseconds))
    }
}
