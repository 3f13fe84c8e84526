import CHotplugSpawn
import Glibc

/// A running (or finished) child started by `Spawner`.
///
/// Owns the pidfd and the read ends of the child's stdout/stderr pipes
/// (nonblocking, close-on-exec) and closes whatever is still open in deinit.
/// Register `pidfd` (readable once the child has exited) and the two output
/// descriptors with an `Epoll`; on readiness call `readOutputLines(from:)` or
/// `tryReap()`.
///
/// Not thread-safe: keep each instance on the event-loop thread/actor.
public final class ChildProcess {
    public let pid: Int32
    public private(set) var pidfd: Int32?
    public private(set) var stdoutFD: Int32?
    public private(set) var stderrFD: Int32?
    /// Set once `tryReap()` has collected the child.
    public private(set) var exitStatus: ExitStatus?
    /// True once the child is collected and waitid() will never be called
    /// again (also when someone else reaped it, in which case `exitStatus`
    /// stays nil).
    public private(set) var isReaped = false

    /// Reads per `readOutputLines` call at most, so one child flooding its
    /// pipe cannot starve the rest of the event loop; level-triggered epoll
    /// reports the fd again for the remainder.
    static let maximumReadsPerCall = 16
    static let readChunkBytes = 16 * 1024

    private var splitters: [Int32: OutputLineSplitter] = [:]
    private var streamsAtEnd: Set<Int32> = []

    init(pid: Int32, pidfd: Int32?, stdoutFD: Int32, stderrFD: Int32) {
        self.pid = pid
        self.pidfd = pidfd
        self.stdoutFD = stdoutFD
        self.stderrFD = stderrFD
        splitters[stdoutFD] = OutputLineSplitter()
        splitters[stderrFD] = OutputLineSplitter()
    }

    deinit {
        // Collect an already-dead child so it does not linger as a zombie;
        // a still-running one is left alone (never block in deinit).
        if !isReaped { _ = tryReap() }
        if let stdoutFD { OwnedFileDescriptor.close(stdoutFD) }
        if let stderrFD { OwnedFileDescriptor.close(stderrFD) }
        if let pidfd { OwnedFileDescriptor.close(pidfd) }
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
        let outcome = hotplug_reap_nohang(pid, pidfd ?? -1, &exited, &value, &coreDumped)
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

    /// Reads what is available on `fd` (this child's stdoutFD or stderrFD)
    /// and returns the complete lines, without the "\n". A partial last line
    /// is kept until more data or end of stream arrives. Lines longer than
    /// 8 KiB are cut and marked; invalid UTF-8 becomes U+FFFD.
    /// At end of stream `hasReachedEndOfStream(fd)` turns true: remove the fd
    /// from epoll and call `closeStream(fd)`.
    public func readOutputLines(from fd: Int32) -> [String] {
        guard fd == stdoutFD || fd == stderrFD, !streamsAtEnd.contains(fd),
              var splitter = splitters[fd] else { return [] }
        var lines: [String] = []
        var chunk = [UInt8](repeating: 0, count: Self.readChunkBytes)
        var reads = 0
        readLoop: while reads < Self.maximumReadsPerCall {
            let count = chunk.withUnsafeMutableBytes { buffer in
                Glibc.read(fd, buffer.baseAddress, buffer.count)
            }
            if count > 0 {
                reads += 1
                lines += chunk.withUnsafeBytes { buffer in
                    splitter.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                }
                continue
            }
            if count < 0 {
                switch errno {
                case EINTR: continue readLoop
                case EAGAIN, EWOULDBLOCK: break readLoop
                default: break // EIO and friends: nothing more will come, treat as end
                }
            }
            lines += splitter.finish()
            streamsAtEnd.insert(fd)
            break
        }
        splitters[fd] = splitter
        return lines
    }

    /// True once `readOutputLines(from:)` has seen end of stream on `fd`
    /// (the child and every descendant closed their copies).
    public func hasReachedEndOfStream(_ fd: Int32) -> Bool {
        streamsAtEnd.contains(fd)
    }

    /// Closes one of the output descriptors early or after end of stream.
    /// Remove it from any epoll first. A partial line not yet returned is
    /// dropped.
    public func closeStream(_ fd: Int32) {
        if fd == stdoutFD {
            stdoutFD = nil
        } else if fd == stderrFD {
            stderrFD = nil
        } else {
            return // not ours: never close a descriptor we do not own
        }
        splitters[fd] = nil
        streamsAtEnd.remove(fd)
        OwnedFileDescriptor.close(fd)
    }
}
