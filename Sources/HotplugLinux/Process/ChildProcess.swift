import Glibc
import HotplugCore

/// A running (or finished) child started by `Spawner`.
///
/// Owns the pidfd and the read ends of the child's stdout/stderr pipes, and
/// closes whatever is still open when it goes. Watch them with `watch(_:in:token:)`
/// (the exit is readable once the child has exited); on readiness call
/// `readOutputLines(from:)` or `tryReap()`.
///
/// Not thread-safe: keep each one on the event-loop thread/actor.
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

    /// The pid and the pidfd, which signal and reap it.
    public private(set) var handle: ChildHandle
    public var pid: Int32 { handle.pid.rawValue }
    public var processID: ProcessID { handle.pid }
    /// When it started, in clock ticks since boot, if the spawn could tell
    /// without asking /proc (see `hotplug_spawn_result.start_tick`).
    public let startTick: UInt64?
    private var standardOutput: OutputPipe?
    private var standardError: OutputPipe?
    /// Set once `tryReap()` has collected the child.
    public var exitStatus: ExitStatus? { handle.exitStatus }
    /// True once the child is collected and waitid() will never be called
    /// again (also when someone else reaped it, in which case `exitStatus`
    /// stays nil).
    public var isReaped: Bool { handle.isReaped }

    /// `partialOutput` and `partialError`: lines a previous image had begun
    /// reading (re-exec), continued here rather than lost.
    convenience init(pid: Int32, pidfd: consuming FileDescriptor?, standardOutput: consuming FileDescriptor?,
                     standardError: consuming FileDescriptor?, startTick: UInt64? = nil,
                     partialOutput: PartialLine? = nil, partialError: PartialLine? = nil) {
        self.init(handle: ChildHandle(pid: ProcessID(pid), pidfd: pidfd), standardOutput: standardOutput,
                  standardError: standardError, startTick: startTick, partialOutput: partialOutput, partialError: partialError)
    }

    init(handle: consuming ChildHandle, standardOutput: consuming FileDescriptor?,
         standardError: consuming FileDescriptor?, startTick: UInt64? = nil,
         partialOutput: PartialLine? = nil, partialError: PartialLine? = nil) {
        self.handle = handle
        self.startTick = startTick
        self.standardOutput = OutputPipe(standardOutput, carrying: partialOutput)
        self.standardError = OutputPipe(standardError, carrying: partialError)
    }

    /// The line begun on `stream` and not yet ended: what a re-exec hands over.
    public func partialLine(_ stream: Stream) -> PartialLine? {
        switch stream {
        case .standardOutput: standardOutput?.partialLine
        case .standardError: standardError?.partialLine
        }
    }

    deinit {
        // Collect an already-dead child so it does not linger as a zombie;
        // a still-running one is left alone (never block in deinit). The
        // descriptors close after this, with their owners.
        if !isReaped { _ = tryReap() }
    }

    /// Sends `signal` to the child's whole process group (the child is a
    /// session and group leader, so this includes its descendants unless
    /// they moved to a new session themselves), through the pidfd where the
    /// kernel can (see `ChildHandle`). A group that no longer exists (ESRCH)
    /// is not an error: everything in it is gone already.
    public func signalGroup(_ signal: Int32) throws(SystemCallError) {
        try handle.signalGroup(signal)
    }

    /// Sends `signal` to the child alone, through its pidfd.
    public func signal(_ signal: Int32) throws(SystemCallError) {
        try handle.signal(signal)
    }

    /// Collects the child if it has exited, without blocking (see `ChildHandle.tryReap`).
    public func tryReap() -> ExitStatus? {
        handle.tryReap()
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
            return try handle.withPidfd(body)
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
