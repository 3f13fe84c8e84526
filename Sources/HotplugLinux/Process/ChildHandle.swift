import CHotplugSpawn
import Glibc
import HotplugCore

/// One child process as hotplugd holds it: its pid and its pidfd, owned
/// together, so nothing signals or waits on the pid without the pidfd that
/// keeps it ours. Closing the pidfd is the owner's end (non-copyable: one
/// holder, one close).
///
/// Why the pid is safe to use with the pidfd: a pid is freed only when the
/// process is reaped, and only this handle reaps it (`tryReap`). Until then
/// the number, and the process group of that number (every child leads its
/// own session), name our child and nothing else.
///
/// Signals go through `pidfd_send_signal`. A process-group signal (the stop
/// signal and SIGKILL, which must reach what the child started) goes
/// through the pidfd too where the kernel can (`PIDFD_SIGNAL_PROCESS_GROUP`,
/// Linux 6.9): the group is then named by the pidfd's own struct pid, which
/// the group's members keep referring to after the leader is reaped, so it
/// cannot reach another group even then. On older kernels it is
/// `kill(-pid)`, and only while the leader is not reaped: hold the handle
/// (do not reap) until the group signal is sent. After the reap, a group
/// signal there is refused; `ProcessGroup.signalLeftovers` is the careful
/// way to reach what a reaped child left behind.
///
/// A live upgrade hands the child over as its pid and the pidfd's number
/// (`init(pid:inheritedPidfd:)`), and the stop sequence it was started with.
public struct ChildHandle: ~Copyable {
    public let pid: ProcessID
    /// Nil on kernels without pidfd_open (before 5.3): SIGCHLD tells then.
    private let pidfd: FileDescriptor?
    /// Set once `tryReap()` has collected the child.
    public private(set) var exitStatus: ExitStatus?
    /// True once the child is collected and its pid may name another
    /// process (also when someone else reaped it: `exitStatus` stays nil).
    public private(set) var isReaped = false

    init(pid: ProcessID, pidfd: consuming FileDescriptor?) {
        self.pid = pid
        self.pidfd = pidfd
    }

    /// Takes over a pidfd this process inherited (a live upgrade passes its
    /// children's pidfds across exec): `rawValue` must be an open pidfd of
    /// `pid`. Nil, leaving the descriptor to the caller, when it is not
    /// (the kernel's /proc/self/fdinfo says which process a pidfd is for).
    public init?(pid: ProcessID, inheritedPidfd rawValue: Int32) {
        guard pid.rawValue > 0, rawValue >= 0, Self.pidfdNames(rawValue, pid),
              let descriptor = FileDescriptor(adopting: rawValue) else { return nil }
        // Inherited descriptors may lack close-on-exec: no child gets it.
        _ = fcntl(rawValue, F_SETFD, FD_CLOEXEC)
        self.init(pid: pid, pidfd: descriptor)
    }

    /// Whether descriptor `rawValue` is a pidfd of `pid` ("Pid:\tN" in its fdinfo).
    static func pidfdNames(_ rawValue: Int32, _ pid: ProcessID) -> Bool {
        guard let info = SystemFiles.readSmall("/proc/self/fdinfo/\(rawValue)") else { return false }
        return info.split(separator: "\n").contains { $0 == "Pid:\t\(pid.rawValue)" }
    }

    /// Sends `signal` to the child alone. A child that has exited already
    /// (ESRCH) is not an error.
    public func signal(_ signal: Int32) throws(SystemCallError) {
        if let outcome = sendThroughPidfd(signal, wholeGroup: false) {
            try outcome.get()
            return
        }
        guard !isReaped else { throw Self.reapedError(pid, signal, group: false) }
        try Self.checked(kill(pid.rawValue, signal), "kill(\(pid), \(SignalName.name(signal)))")
    }

    /// Sends `signal` to the child's whole process group (its descendants,
    /// unless they moved to a session of their own). A group that no longer
    /// exists (ESRCH) is not an error: everything in it is gone already.
    public func signalGroup(_ signal: Int32) throws(SystemCallError) {
        if let outcome = sendThroughPidfd(signal, wholeGroup: true) {
            try outcome.get()
            return
        }
        guard !isReaped else { throw Self.reapedError(pid, signal, group: true) }
        try Self.checked(kill(-pid.rawValue, signal), "kill(-\(pid), \(SignalName.name(signal)))")
    }

    /// Nil where the pidfd cannot do it (none held, or a kernel without
    /// the group flag): the caller falls back to the pid.
    private func sendThroughPidfd(_ signal: Int32, wholeGroup: Bool) -> Result<Void, SystemCallError>? {
        let number: Int32 = switch pidfd {
        case .some(let descriptor): descriptor.rawValue
        case .none: -1
        }
        guard number >= 0 else { return nil }
        if hotplug_pidfd_send_signal(number, signal, wholeGroup ? 1 : 0) == 0 { return .success(()) }
        let failure = errno
        switch failure {
        case ESRCH: return .success(())
        case EINVAL where wholeGroup, ENOSYS: return nil
        default:
            let target = wholeGroup ? "process group \(pid)" : "pid \(pid)"
            return .failure(SystemCallError("pidfd_send_signal(\(target), \(SignalName.name(signal)))", errno: failure))
        }
    }

    private static func checked(_ result: Int32, _ operation: @autoclosure () -> String) throws(SystemCallError) {
        if result == 0 { return }
        let failure = errno
        if failure == ESRCH { return }
        throw SystemCallError(operation(), errno: failure)
    }

    private static func reapedError(_ pid: ProcessID, _ signal: Int32, group: Bool) -> SystemCallError {
        SystemCallError("\(group ? "kill(-\(pid)" : "kill(\(pid)"), \(SignalName.name(signal))): refused, the child is reaped and its pid may be another process's now", errno: ESRCH)
    }

    /// Collects the child if it has exited, without blocking.
    ///
    /// Returns the status exactly once — the call that reaped the child — and
    /// nil before that (still running) and after it (already reaped; see
    /// `exitStatus`). After reaping, the pid is never waited on again, as it
    /// may already belong to an unrelated process.
    public mutating func tryReap() -> ExitStatus? {
        guard !isReaped else { return nil }
        var exited: Int32 = 0
        var value: Int32 = 0
        var coreDumped: Int32 = 0
        let pidfdNumber: Int32 = switch pidfd {
        case .some(let descriptor): descriptor.rawValue
        case .none: -1  // waits on the pid instead
        }
        let outcome = hotplug_reap_nohang(pid.rawValue, pidfdNumber, &exited, &value, &coreDumped)
        if outcome == 1 {
            let status: ExitStatus = exited != 0 ? .exited(value) : .signaled(value, coreDumped: coreDumped != 0)
            isReaped = true
            exitStatus = status
            return status
        }
        if outcome < 0 && errno == ECHILD {
            // Someone else collected it (SIGCHLD set to SIG_IGN, or a stray
            // waitpid(-1)). The status is lost; stop asking.
            isReaped = true
        }
        return nil
    }

    /// Lends the pidfd (readable once the child has exited); nil without one.
    func withPidfd<Result>(_ body: (borrowing FileDescriptor) throws(SystemCallError) -> Result) throws(SystemCallError) -> Result? {
        switch pidfd {
        case .some(let descriptor): return try body(descriptor)
        case .none: return nil
        }
    }
}
