import CHotplugReexec
import Glibc
import HotplugCore

/// The two system-level steps of a re-exec: asking the new binary whether
/// it can take the state over (while the old image still runs and can carry
/// on), and the execve() itself.
public enum ReexecExec {
    public static let stateVariable = "HOTPLUGD_REEXEC_STATE"
    public static let replyVariable = "HOTPLUGD_REEXEC_REPLY"
    /// Every descriptor number kept across the exec for the new image.
    public static let descriptorsVariable = "HOTPLUGD_REEXEC_DESCRIPTORS"
    static var variables: [String] { [stateVariable, replyVariable, descriptorsVariable] }
    /// The probe's one line: `hotplugd-reexec-state LOWEST HIGHEST`.
    public static var probeLine: String {
        "\(ReexecState.format) \(ReexecState.acceptedVersions.lowerBound) \(ReexecState.acceptedVersions.upperBound)"
    }
    static let probeTimeout: UInt64 = 5_000_000_000

    /// Runs `path reexec-probe` and checks it reads `ReexecState.version`.
    /// Nil when it does; else why not, in words for the requester.
    static func probe(_ path: String) -> String? {
        var pipeEnds: [Int32] = [-1, -1]
        guard hotplug_pipe_cloexec(&pipeEnds) == 0, let reader = FileDescriptor(adopting: pipeEnds[0]),
              let writer = FileDescriptor(adopting: pipeEnds[1]) else { return "cannot make a pipe: \(errnoText())" }
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
        writer.close()
        guard spawned == 0 else { return "cannot run \(path): \(errnoText(spawned))" }
        let output = readBounded(reader, until: MonotonicClock.now() + probeTimeout)
        let status = waitBounded(pid, until: MonotonicClock.now() + probeTimeout)
        guard let status else { return "\(path) reexec-probe did not finish within 5 s" }
        guard status == 0 else {
            return "\(path) reexec-probe failed (\(status > 0 ? "exit \(status)" : "killed by signal \(-status)")): it cannot take the state over"
        }
        let words = output.split(separator: " ")
        guard words.count == 3, words[0] == ReexecState.format, let low = Int64(words[1]), let high = Int64(words[2]) else {
            return "\(path) reexec-probe answered '\(Printable.escaped(String(output.prefix(80))))', not a state format it reads"
        }
        guard (low...max(low, high)).contains(ReexecState.version) else {
            return "\(path) reads state versions \(low)...\(high), not \(ReexecState.version)"
        }
        return nil
    }

    private static func readBounded(_ reader: borrowing FileDescriptor, until deadline: UInt64) -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256)
        while bytes.count < 4096 {
            let now = MonotonicClock.now()
            guard now < deadline else { break }
            var poller = pollfd(fd: reader.rawValue, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(clamping: (deadline - now) / 1_000_000 + 1))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { break }
            let count = chunk.withUnsafeMutableBytes { Glibc.read(reader.rawValue, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self).trimmingNewlines
    }

    /// The exit code, minus the signal number, or nil (then SIGKILLed and reaped).
    private static func waitBounded(_ pid: pid_t, until deadline: UInt64) -> Int32? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                let signal = status & 0x7f
                return signal == 0 ? (status >> 8) & 0xff : -signal
            }
            if result < 0 && errno != EINTR { return nil }
            if MonotonicClock.now() >= deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return nil
            }
            usleep(1000)
        }
    }

    /// execve() with the same arguments and environment, plus where the
    /// state and the requester's connection are. Returns only on failure,
    /// with the errno.
    static func exec(_ path: String, arguments: [String], state: Int32, reply: Int32?, handed: [Int32]) -> Int32 {
        var environment: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if !variables.contains(where: { text.hasPrefix($0 + "=") }) { environment.append(text) }
            cursor += 1
        }
        environment.append("\(stateVariable)=\(state)")
        if let reply { environment.append("\(replyVariable)=\(reply)") }
        environment.append("\(descriptorsVariable)=\(handed.map(String.init).joined(separator: ","))")
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        execve(path, &argv, &envp)
        return errno
    }

    /// Where the daemon was started from, for the re-exec to run the file
    /// now at that path (after an upgrade, the new one; /proc/self/exe would
    /// still be the old, deleted file).
    public static func startedFrom(_ argument0: String) -> String? {
        if argument0.contains("/") { return AbsolutePath.anchored(argument0) }
        let path = getenv("PATH").map { "PATH=" + String(cString: $0) }
        return try? ExecutableLookup.resolve(argument0, environment: path.map { [$0] } ?? [])
    }
}

extension String {
    var trimmingNewlines: String {
        var text = Substring(self)
        while text.last == "\n" || text.last == "\r" { text = text.dropLast() }
        return String(text)
    }
}
