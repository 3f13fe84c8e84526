import Glibc

/// Finds the child an empty or torn record is named after, when the record
/// does not say which process it was: by what the daemon stamps on every
/// child it starts (its own session, set by the spawn, and HOTPLUGD_BINDING
/// and HOTPLUGD_SYSPATH in its environment) and by time (the record is
/// created after the child starts, so a process that started later reuses
/// the pid and is someone else's).
enum StampedChildLookup {
    enum Verdict: Equatable {
        /// One of ours: stop it.
        case child(ProcessIdentity, binding: String, syspath: String)
        /// A process that is not (or no longer) ours, with why.
        case notOurs(String)
        /// Its parent still runs hotplugd: the daemon that wrote the record may be alive.
        case daemonMayRun(Int32)
        case gone
    }

    /// /proc/PID/environ holds every udev property of the device before the
    /// stamp; far more than any device has, and bounded.
    static let environmentLimit = 262_144
    /// File times and start ticks are coarse; a pid is not reused this fast.
    static let slackSeconds: Double = 1

    static func find(pid: Int32, recordWritten: timespec) -> Verdict {
        guard let stat = SystemFiles.readSmall("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return .gone }
        // Fields 3 (state), 4 (ppid), 6 (session) and 22 (start ticks).
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X",
              let parent = Int32(fields[1]), let session = Int32(fields[3]), let start = UInt64(fields[19]) else { return .gone }
        guard session == pid else { return .notOurs("not a session leader, as every child hotplugd starts is") }
        guard let environment = SystemFiles.readBounded("/proc/\(pid)/environ", limit: environmentLimit) else {
            return .notOurs("its environment cannot be read")
        }
        let entries = environment.split(separator: 0)
        guard let binding = value(of: "HOTPLUGD_BINDING", in: entries), let syspath = value(of: "HOTPLUGD_SYSPATH", in: entries) else {
            return .notOurs("no HOTPLUGD_BINDING and HOTPLUGD_SYSPATH in its environment")
        }
        guard startSecondsSinceBoot(start) <= bootRelative(recordWritten) + slackSeconds else {
            return .notOurs("started after the record was written, so its pid was reused")
        }
        if parent > 1, parent != getpid(), command(of: parent) == command(of: getpid()) { return .daemonMayRun(parent) }
        return .child(ProcessIdentity(pid: pid, startTime: start), binding: binding, syspath: syspath)
    }

    private static func value(of name: String, in entries: [ArraySlice<UInt8>]) -> String? {
        let prefix = Array((name + "=").utf8)
        guard let entry = entries.last(where: { $0.starts(with: prefix) }) else { return nil }
        return String(decoding: entry.dropFirst(prefix.count), as: UTF8.self)
    }

    private static func command(of pid: Int32) -> Substring? {
        SystemFiles.readSmall("/proc/\(pid)/comm").map { $0.prefix { $0 != "\n" } }
    }

    private static func startSecondsSinceBoot(_ ticks: UInt64) -> Double {
        Double(ticks) / Double(max(sysconf(Int32(_SC_CLK_TCK)), 1))
    }

    /// A wall-clock time as seconds since boot, the clock start ticks count on.
    private static func bootRelative(_ time: timespec) -> Double {
        var wall = timespec(), boot = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        clock_gettime(CLOCK_BOOTTIME, &boot)
        return seconds(time) - (seconds(wall) - seconds(boot))
    }

    private static func seconds(_ time: timespec) -> Double { Double(time.tv_sec) + Double(time.tv_nsec) / 1e9 }
}
