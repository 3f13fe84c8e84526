import Glibc

/// A process as it can be recognised later: its pid and the clock tick at
/// which it started. A pid alone may by then name another process; the pair
/// cannot, since a reused pid starts at a later tick.
struct ProcessIdentity: Sendable, Hashable {
    var pid: Int32
    var startTime: UInt64

    /// Nil when the process is gone (or /proc is not mounted).
    init?(pid: Int32) {
        guard pid > 0, let start = Self.startTime(of: pid) else { return nil }
        self.init(pid: pid, startTime: start)
    }

    init(pid: Int32, startTime: UInt64) {
        self.pid = pid
        self.startTime = startTime
    }

    static var current: ProcessIdentity? { ProcessIdentity(pid: getpid()) }

    /// Whether this very process still exists (a zombie counts: it has not
    /// been reaped, so its pid is not free).
    var isRunning: Bool { Self.startTime(of: pid) == startTime }

    /// Field 22 of /proc/PID/stat: clock ticks since boot when it started.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = SystemFiles.readSmall("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }
}
