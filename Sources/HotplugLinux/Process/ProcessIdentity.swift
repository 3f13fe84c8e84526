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

    /// Whether this very process still runs. A zombie does not: it has
    /// exited and only waits to be reaped (a crashed daemon whose parent has
    /// not waited yet is dead, and its children are orphans to stop).
    var isRunning: Bool {
        guard let (state, start) = Self.stateAndStartTime(of: pid) else { return false }
        return start == startTime && state != "Z" && state != "X"
    }

    /// Field 22 of /proc/PID/stat: clock ticks since boot when it started.
    static func startTime(of pid: Int32) -> UInt64? {
        stateAndStartTime(of: pid)?.startTime
    }

    /// Fields 3 (the state letter) and 22 of /proc/PID/stat.
    static func stateAndStartTime(of pid: Int32) -> (state: Substring, startTime: UInt64)? {
        guard let stat = SystemFiles.readSmall("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3), so field 22 is fields[19].
        guard fields.count > 19, let start = UInt64(fields[19]) else { return nil }
        return (fields[0], start)
    }
}
