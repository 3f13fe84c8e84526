import CHotplugSpawn
import Glibc

/// A running (or finished) child started by `Spawner`.
///
/// Owns the pidfd and the read ends of the child's stdout/stderr pipes, and
/// closes whatever is still open when it goes. Watch them with `watch(_:in:token:)`
/// (the exit is readable once the child has exited); on readiness call
/// `readOutputLines(from:)` or `tryReap()`.
///
/// Not thread-safe: keep each instance on the event-loop thread/actor.
public final class ChildProcess {
    public enum Stream: Sendable, Hashable {
        case standardOutput
        case standardError
    }

    /// What an event loop can wait for on a child.
    public enum Watched: Sendable, Hashable {
        /// The pidfd: readable once the child has exited.
        case exit
        case output(Stream)
    }

    public let pid: Int32
    /// When it started, in clock ticks since boot, if the spawn could tell
    /// without asking /proc (see `hotplug_spawn_result.start_tick`).
    let startTick: UInt64?
    /// Nil on kernels without pidfd_open (before 5.3): SIGCHLD tells then.
    private let pidfd: FileDescriptor?
    private var standardOutput: OutputPipe?
    private var standardError: OutputPipe?
    /// Set once `tryReap()` has collected the child.
    public private(set) var exitStatus: ExitStatus?
    /// True once the child is collected and waitid() will never be called
    /// again (also when someone else reaped it, in which case `exitStatus`
    /// stays nil).
    public private(set) var isReaped = false

    init(pid: Int32, pidfd: consuming FileDescriptor?, standardOutput: consuming FileDescriptor?,
         standardError: consuming FileDescriptor?, startTick: UInt64? = nil) {
        self.pid = pid
        self.startTick = startTick
        self.pidfd = pidfd
        self.standardOutput = OutputPipe(standardOutput)
        self.standardError = OutputPipe(standardError)
    }

    deinit {
        // Collect an already-dead child so it does not linger as a zombie;
        // a still-running one is left alone (never block in deinit). The
        // descriptors close after this, with their owners.
        if !isReaped { _ = tryReap() }
    }

    /// Sends `signal` to the child's whole process group (the child is a
    /// session and group leader, so this includes its descendants unless
    /// they moved to a new session themselves). A group that no longer
    /// exists (ESRCH) is not an error: everything in it is gone already.
    public func signalGroup(_ signal: Int32) throws(SystemCallError) {
        if kill(-pid, signal) == 0 { return }
        let failure = errno
        if failure == ESRCH { return }
        throw SystemCallError("kill(-\(pid), \(SignalName.name(signal)))", errno: failure)
    }

    /// Collects the child if it has exited, without blocking.
    ///
    /// Returns the status exactly once — the call that reaped the child — and
    /// nil before that (still running) and after it (already reaped; see
    /// `exitStatus`). After reaping, the pid is never waited on again, as it
    /// may already belong to an unrelated process.
    public func tryReap() -> ExitStatus? {
        guard !isReaped else { return nil }
        var exited: Int32 = 0
        var value: Int32 = 0
        var coreDumped: Int32 = 0
        let pidfdNumber: Int32 = switch pidfd {
        case .some(let descriptor): descriptor.rawValue
        case .none: -1  // waits on the pid instead
        }
        let outcome = hotplug_reap_nohang(pid, pidfdNumber, &exited, &value, &coreDumped)
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

    /// Reads what is available on the stream and returns the complete lines,
    /// without the "\n". A partial last line is kept until more data or end
    /// of stream arrives. Lines longer than 8 KiB are cut and marked; invalid
    /// UTF-8 becomes U+FFFD. At end of stream `hasReachedEndOfStream` turns
    /// true: unwatch the stream and call `closeStream`.
    /// Reads and counts the lines available on `stream` without keeping
    /// them: for a child over its output rate.
    public func discardOutputLines(from stream: Stream) -> Int {
        switch stream {
        case .standardOutput: standardOutput?.discardLines() ?? 0
        case .standardError: standardError?.discardLines() ?? 0
        }
    }

    public func readOutputLines(from stream: Stream) -> [String] {
        switch stream {
        case .standardOutput: standardOutput?.readLines() ?? []
        case .standardError: standardError?.readLines() ?? []
        }
    }

    /// True once `readOutputLines(from:)` has seen end of stream (the child
    /// and every descendant closed their copies).
    public func hasReachedEndOfStream(_ stream: Stream) -> Bool {
        switch stream {
        case .standardOutput: standardOutput?.hasReachedEnd ?? false
        case .standardError: standardError?.hasReachedEnd ?? false
        }
    }

    /// Whether the stream's pipe is still open here (not yet closed by `closeStream`).
    public func isOpen(_ stream: Stream) -> Bool {
        switch stream {
        case .standardOutput: standardOutput != nil
        case .standardError: standardError != nil
        }
    }

    /// Closes one of the output pipes, early or after end of stream. Unwatch
    /// it first: epoll keeps a closed descriptor while another copy of it is
    /// open. A partial line not yet returned is dropped; closing again does
    /// nothing.
    public func closeStream(_ stream: Stream) {
        switch stream {
        case .standardOutput: _ = standardOutput.take()
        case .standardError: _ = standardError.take()
        }
    }

    /// Registers what is watched with `epoll` under `token`. False when there
    /// is nothing to watch: no pidfd on this kernel, or the stream is closed.
    @discardableResult
    public func watch(_ watched: Watched, in epoll: Epoll, token: UInt64) throws(SystemCallError) -> Bool {
        try withDescriptor(of: watched) { descriptor throws(SystemCallError) in
            try epoll.add(descriptor, token: token, events: .readable)
        } != nil
    }

    /// Removes what `watch` registered; nothing to remove is not an error.
    public func unwatch(_ watched: Watched, in epoll: Epoll) throws(SystemCallError) {
        _ = try withDescriptor(of: watched) { descriptor throws(SystemCallError) in try epoll.remove(descriptor) }
    }

    /// Lends the descriptor behind `watched`; nil when there is none.
    func withDescriptor<Result>(
        of watched: Watched, _ body: (borrowing FileDescriptor) throws(SystemCallError) -> Result
    ) throws(SystemCallError) -> Result? {
        switch watched {
        case .exit:
            switch pidfd {
            case .some(let descriptor): return try body(descriptor)
            case .none: return nil
            }
        case .output(.standardOutput):
            switch standardOutput {
            case .some(let pipe): return try body(pipe.descriptor)
            case .none: return nil
            }
        case .output(.standardError):
            switch standardError {
            case .some(let pipe): return try body(pipe.descriptor)
            case .none: return nil
            }
        }
    }
}
