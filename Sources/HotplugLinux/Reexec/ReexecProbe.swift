import CHotplugReexec
import Glibc
import HotplugCore

/// `path reexec-probe` run while the loop goes on: the question "can the
/// new binary take the state over?" costs a process start (tens of
/// milliseconds, more on a loaded machine), which a synchronous probe spent
/// inside the re-exec's pause. The daemon watches `output` and `deadline`
/// under one token and calls `poll()` when either is ready; the exec itself
/// then waits only for the end of that loop turn.
///
/// Owns the probe's pid until it is reaped (the daemon reaps its children by
/// pid, never waitpid(-1), so nothing else collects it), its output pipe and
/// its 5 s deadline; a probe dropped unfinished is killed and reaped.
final class ReexecProbe {
    enum Verdict: Equatable { case passed, failed(String) }

    let path: String
    private let output: FileDescriptor
    private let deadline: TimerFD
    private var pid: pid_t?
    private var bytes: [UInt8] = []
    static let timeout: UInt64 = 5_000_000_000
    /// After the output ended, how long the probe may take to exit.
    static let exitGrace: UInt64 = 200_000_000

    /// Starts it, or says why it could not be started.
    static func start(_ path: String) -> Result<ReexecProbe, ReexecProbeError> {
        var ends: [Int32] = [-1, -1]
        guard hotplug_pipe_cloexec(&ends) == 0, let reader = FileDescriptor(adopting: ends[0]),
              let writer = FileDescriptor(adopting: ends[1]) else {
            return .failure(ReexecProbeError("cannot make a pipe: \(errnoText())"))
        }
        _ = fcntl(reader.rawValue, F_SETFL, fcntl(reader.rawValue, F_GETFL) | O_NONBLOCK)
        let timer: TimerFD
        do {
            timer = try TimerFD()
            try timer.arm(deadlineNanoseconds: MonotonicClock.now() + timeout)
        } catch {
            return .failure(ReexecProbeError("cannot arm the probe's deadline: \(error)"))
        }
        let spawned = spawn(path, writer: writer)
        writer.close()
        switch spawned {
        case .failure(let error): return .failure(error)
        case .success(let pid): return .success(ReexecProbe(path: path, pid: pid, output: reader, deadline: timer))
        }
    }

    private init(path: String, pid: pid_t, output: consuming FileDescriptor, deadline: TimerFD) {
        self.path = path
        self.pid = pid
        self.output = output
        self.deadline = deadline
    }

    deinit {
        if let pid {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
    }

    func watch(in epoll: Epoll, token: UInt64) throws(SystemCallError) {
        try epoll.add(output, token: token, events: .readable)
        try epoll.add(deadline, token: token, events: .readable)
    }

    func unwatch(from epoll: Epoll) {
        try? epoll.remove(output)
        try? epoll.remove(deadline)
    }

    /// Reads what the probe wrote; its verdict once it has finished (or its
    /// time is up), nil while it runs.
    func poll() -> Verdict? {
        guard pid != nil else { return nil }
        var chunk = [UInt8](repeating: 0, count: 256)
        while bytes.count < 4096 {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(output.rawValue, $0.baseAddress, $0.count) }
            if count > 0 { bytes += chunk[0..<count]; continue }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                guard MonotonicClock.now() >= startedAt + Self.timeout else { return nil }
                return finish(nil, "\(path) reexec-probe did not finish within 5 s")
            }
            break // end of output (or a read error): the probe is exiting
        }
        return finish(waitBounded(until: MonotonicClock.now() + Self.exitGrace),
                      "\(path) reexec-probe did not exit after its output ended")
    }

    private let startedAt = MonotonicClock.now()

    private func finish(_ status: Int32?, _ timedOut: String) -> Verdict {
        if let pid {
            if status == nil {
                kill(pid, SIGKILL)
                var ignored: Int32 = 0
                _ = waitpid(pid, &ignored, 0)
            }
            self.pid = nil
        }
        guard let status else { return .failed(timedOut) }
        let text = String(decoding: bytes, as: UTF8.self).trimmingNewlines
        return ReexecExec.verdict(path: path, status: status, output: text).map(Verdict.failed) ?? .passed
    }

    /// The exit code, minus the signal number, or nil when it has not exited by then.
    private func waitBounded(until deadline: UInt64) -> Int32? {
        guard let pid else { return nil }
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                let signal = status & 0x7f
                return signal == 0 ? (status >> 8) & 0xff : -signal
            }
            if result < 0 && errno != EINTR { return nil }
            if MonotonicClock.now() >= deadline { return nil }
            usleep(200)
        }
    }

    private static func spawn(_ path: String, writer: borrowing FileDescriptor) -> Result<pid_t, ReexecProbeError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writer.rawValue, 1)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let arguments = [path, "reexec-probe"]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=" + ExecutableLookup.defaultSearchPath)] + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        let spawned = posix_spawn(&pid, path, &actions, &attributes, &argv, &envp)
        guard spawned == 0 else { return .failure(ReexecProbeError("cannot run \(path): \(errnoText(spawned))")) }
        return .success(pid)
    }
}

struct ReexecProbeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
