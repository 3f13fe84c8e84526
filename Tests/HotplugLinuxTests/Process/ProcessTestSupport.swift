import Glibc
import HotplugLinux
import Testing

/// What a finished child produced.
struct CollectedChildRun {
    var stdout: [String] = []
    var stderr: [String] = []
    // Qualified: Swift Testing has its own `ExitStatus` (exit tests).
    var status: HotplugLinux.ExitStatus?
}

struct ProcessTestTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Event-loop style harness for tests: waits on the child's pidfd and output
/// pipes with `Epoll` until the child has exited and both streams reached end
/// of file. Kills the group and throws if that takes longer than `timeout`.
enum ChildHarness {
    static let stdoutToken: UInt64 = 1
    static let stderrToken: UInt64 = 2
    static let pidfdToken: UInt64 = 3

    static func spawnAndCollect(_ request: SpawnRequest, timeoutSeconds: UInt64 = 20) throws -> CollectedChildRun {
        let child = try Spawner.spawn(request)
        return try collect(child, timeoutSeconds: timeoutSeconds)
    }

    static func collect(_ child: ChildProcess, timeoutSeconds: UInt64 = 20) throws -> CollectedChildRun {
        let epoll = try Epoll()
        try #require(try child.watch(.output(.standardOutput), in: epoll, token: stdoutToken))
        try #require(try child.watch(.output(.standardError), in: epoll, token: stderrToken))
        try #require(try child.watch(.exit, in: epoll, token: pidfdToken), "kernel should support pidfd_open")

        var run = CollectedChildRun()
        var openStreams = 2
        let deadline = MonotonicClock.now() + timeoutSeconds * 1_000_000_000
        while run.status == nil || openStreams > 0 {
            let now = MonotonicClock.now()
            guard now < deadline else {
                try? child.signalGroup(SIGKILL)
                throw ProcessTestTimeout(what: "child \(child.pid) to finish")
            }
            let remaining = Int32(clamping: (deadline - now) / 1_000_000 + 1)
            for event in try epoll.wait(timeoutMilliseconds: remaining) {
                switch event.token {
                case pidfdToken:
                    run.status = child.tryReap()
                    // A reaped pidfd stays readable; stop watching it.
                    try child.unwatch(.exit, in: epoll)
                case stdoutToken, stderrToken:
                    let stream: ChildProcess.Stream = event.token == stdoutToken ? .standardOutput : .standardError
                    let lines = child.readOutputLines(from: stream)
                    if event.token == stdoutToken { run.stdout += lines } else { run.stderr += lines }
                    if child.hasReachedEndOfStream(stream) {
                        try child.unwatch(.output(stream), in: epoll)
                        child.closeStream(stream)
                        openStreams -= 1
                    }
                default:
                    Issue.record("unexpected epoll token \(event.token)")
                }
            }
        }
        return run
    }

    /// Reads stdout lines until at least `count` arrived (for children that
    /// keep running), using epoll rather than sleeps.
    static func readLines(from child: ChildProcess, atLeast count: Int, timeoutSeconds: UInt64 = 20) throws -> [String] {
        let epoll = try Epoll()
        try #require(try child.watch(.output(.standardOutput), in: epoll, token: stdoutToken))
        var lines: [String] = []
        let deadline = MonotonicClock.now() + timeoutSeconds * 1_000_000_000
        while lines.count < count {
            let now = MonotonicClock.now()
            guard now < deadline, !child.hasReachedEndOfStream(.standardOutput) else {
                throw ProcessTestTimeout(what: "\(count) lines from child \(child.pid), got \(lines)")
            }
            let remaining = Int32(clamping: (deadline - now) / 1_000_000 + 1)
            for _ in try epoll.wait(timeoutMilliseconds: remaining) {
                lines += child.readOutputLines(from: .standardOutput)
            }
        }
        try child.unwatch(.output(.standardOutput), in: epoll)
        return lines
    }

    /// Waits until every child in `children` has exited (its pidfd became
    /// readable). Returns false on timeout.
    static func waitForExit(of children: [ChildProcess], timeoutMilliseconds: Int32) throws -> Bool {
        let epoll = try Epoll()
        for (index, child) in children.enumerated() {
            try #require(try child.watch(.exit, in: epoll, token: UInt64(index)), "kernel should support pidfd_open")
        }
        return try waitForEvents(epoll, count: children.count, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Waits until the process behind `pidfd` has exited. False on timeout.
    static func waitForExit(of pidfd: borrowing FileDescriptor, timeoutMilliseconds: Int32) throws -> Bool {
        let epoll = try Epoll()
        try epoll.add(pidfd, token: 0, events: .readable)
        return try waitForEvents(epoll, count: 1, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Waits until `count` distinct tokens were readable, each once: an exit
    /// stays readable, so one event per token is counted.
    private static func waitForEvents(_ epoll: Epoll, count: Int, timeoutMilliseconds: Int32) throws -> Bool {
        var exited = Set<UInt64>()
        let deadline = MonotonicClock.now() + UInt64(timeoutMilliseconds) * 1_000_000
        while exited.count < count {
            let now = MonotonicClock.now()
            if now >= deadline { return false }
            let remaining = Int32(clamping: (deadline - now) / 1_000_000 + 1)
            for event in try epoll.wait(timeoutMilliseconds: remaining) {
                exited.insert(event.token)
            }
        }
        return true
    }

    /// Field 3 of /proc/<pid>/stat ("R", "S", "Z", ...), nil if the process is gone.
    static func processState(_ pid: Int32) -> String? {
        guard let stat = readSmallFile("/proc/\(pid)/stat"),
              let closing = stat.lastIndex(of: ")") else { return nil }
        let rest = stat[stat.index(after: closing)...].split(separator: " ")
        return rest.first.map(String.init)
    }

    static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A fresh directory under /tmp, removed by the caller.
    static func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/hotplug-process-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, let path = mkdtemp(base) else { return nil }
            return String(cString: path)
        }
        return try #require(made, "mkdtemp")
    }

    static func writeFile(_ path: String, contents: String, mode: mode_t) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        try #require(fd >= 0, "open \(path)")
        defer { close(fd) }
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        try #require(written == bytes.count)
        try #require(fchmod(fd, mode) == 0) // not subject to the umask
    }

    static func removeTree(_ path: String) {
        let child = try? Spawner.spawn(SpawnRequest(argv: ["/bin/rm", "-rf", "--", path]))
        if let child { _ = try? collect(child) }
    }
}
