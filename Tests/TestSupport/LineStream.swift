import Foundation

/// A long-running child (the daemon, `monitor`) whose output lines a test
/// waits on with a deadline instead of sleeping.
public final class RunningProcess: @unchecked Sendable {
    public let process = Process()
    private let lock = NSCondition()
    private var lines: [String] = []
    private var partial = Data()
    private var stderrLines: [String] = []

    public init(_ argv: [String], environment: [String: String]? = nil) throws {
        let (out, err) = try Shell.start(process, argv, environment: environment)
        // One blocking reader thread per pipe: simple, and independent of
        // run loops and dispatch sources.
        for (handle, isStderr) in [(out.fileHandleForReading, false), (err.fileHandleForReading, true)] {
            Thread.detachNewThread { [weak self] in
                while true {
                    let data = handle.availableData
                    if data.isEmpty { return }
                    guard let self else { return }
                    self.append(data, toStderr: isStderr)
                }
            }
        }
    }

    private var partialErr = Data()

    private func append(_ data: Data, toStderr: Bool) {
        lock.lock()
        defer { lock.unlock(); lock.broadcast() }
        var buffer = toStderr ? partialErr : partial
        buffer.append(data)
        while let newline = buffer.firstIndex(of: 0x0a) {
            let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
            if toStderr { stderrLines.append(line) } else { lines.append(line) }
            buffer = Data(buffer[(newline + 1)...])
        }
        if toStderr { partialErr = buffer } else { partial = buffer }
    }

    /// Waits until a stdout line satisfies `predicate`; nil after `timeout` seconds.
    public func waitForLine(timeout: TimeInterval = 10, stderr: Bool = false, _ predicate: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        var checked = 0
        while true {
            let source = stderr ? stderrLines : lines
            while checked < source.count {
                if predicate(source[checked]) { return source[checked] }
                checked += 1
            }
            if !lock.wait(until: deadline) { return nil }
        }
    }

    public var output: [String] { lock.lock(); defer { lock.unlock() }; return lines }
    public var errorOutput: [String] { lock.lock(); defer { lock.unlock() }; return stderrLines }

    /// Waits until the process has exited; false after `timeout` seconds.
    public func waitForExit(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return !process.isRunning
    }

    /// SIGTERM, and SIGKILL if the process is still there after 10 s.
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}
