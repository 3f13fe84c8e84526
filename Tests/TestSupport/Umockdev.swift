import Foundation
import Testing

/// A umockdev testbed with recorded USB devices, run by
/// `Tests/Fixtures/usb/testbed.py` under `umockdev-wrapper`. Programs the
/// testbed starts see its /sys, /dev and uevents instead of the machine's.
///
/// It always runs isolated: in private mount and network namespaces with
/// scratch /run/udev and /dev. Under umockdev, libudev still reads the
/// machine's udev database and rtnetlink still reaches the machine's
/// interfaces, so a recorded device could otherwise pick up a real device's
/// properties or have a real interface renamed in its name.
public final class UmockdevTestbed: @unchecked Sendable {
    public static let fixtures = HotplugdBinary.repositoryRoot + "/Tests/Fixtures/usb"
    static let wrapper = "/usr/bin/umockdev-wrapper"
    /// Debian's python3: it has python3-gi (a python3 earlier on PATH may not).
    static let python = "/usr/bin/python3"

    private let process = Process()
    private let input: FileHandle
    private let output = LineCollector()
    private let errors = LineCollector()
    private var closed = false

    /// `rules` are copied into the private /run/udev/rules.d, for `udevInit`.
    public init(rules: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: Self.wrapper)
        process.arguments = [Self.python, Self.fixtures + "/testbed.py", "--isolated"]
            + rules.flatMap { ["--rules", $0] }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        input = stdin.fileHandleForWriting
        output.read(stdout.fileHandleForReading)
        errors.read(stderr.fileHandleForReading)
        _ = try reply(to: nil, expecting: "ready", timeout: 30)
    }

    /// The path of a fixture file by name (`pl25a1`).
    public static func fixture(_ name: String) -> String { fixtures + "/\(name).umockdev" }

    /// Adds the fixture's devices: an `add` event for each.
    public func plug(_ name: String) throws {
        try plug(path: Self.fixture(name))
    }

    /// `plug` for a record file outside Tests/Fixtures/usb, by path.
    public func plug(path: String) throws {
        try command("plug \(path)", expecting: "ok plug")
    }

    /// A `remove` event for each of the fixture's devices, children first.
    public func unplug(_ name: String) throws {
        try command("unplug \(Self.fixture(name))", expecting: "ok unplug")
    }

    /// Renames a net device the way the kernel does and sends `move`.
    public func move(syspath: String, to newName: String) throws {
        try command("move \(syspath) \(newName)", expecting: "ok move")
    }

    /// Runs udev's rules on the fixture's devices (`udevadm test`), which
    /// writes the private udev database as udevd would. Returns udevadm's output.
    @discardableResult
    public func udevInit(_ name: String) throws -> [String] {
        try udevInit(path: Self.fixture(name))
    }

    /// `udevInit` for a record file outside Tests/Fixtures/usb, by path.
    @discardableResult
    public func udevInit(path: String) throws -> [String] {
        let start = output.count
        try command("udev-init \(path)", expecting: "ok udev-init", timeout: 120)
        return output.lines(from: start).filter { $0.hasPrefix("udevadm: ") }
    }

    /// Starts the program under test in the background.
    public func start(_ argv: [String]) throws {
        try command("start \(try Self.json(argv))", expecting: "ok start")
    }

    /// Runs a program to its end: its exit status and stdout lines.
    public func run(_ argv: [String], timeout: TimeInterval = 60) throws -> (status: Int32, stdout: [String]) {
        let start = output.count
        let line = try command("run \(try Self.json(argv))", expecting: "exit", timeout: timeout)
        let status = Int32(line.split(separator: " ").last ?? "") ?? -1
        let printed = output.lines(from: start).filter { !$0.hasPrefix("testbed: ") }
        return (status, printed)
    }

    /// SIGTERM to the started program; its exit status.
    @discardableResult
    public func stopProgram() throws -> Int32? {
        let line = try command("stop", expecting: "stopped", timeout: 30)
        return Int32(line.split(separator: " ").last ?? "")
    }

    /// Waits for a line the started program printed on stderr (where
    /// hotplugd logs) or, with `stdout`, on stdout.
    @discardableResult
    public func waitForLine(stdout: Bool = false, after mark: Int = 0, timeout: TimeInterval = 15,
                            _ predicate: (String) -> Bool) -> String? {
        (stdout ? output : errors).wait(after: mark, timeout: timeout, predicate)
    }

    /// Waits for a stderr line containing all of `parts`.
    @discardableResult
    public func waitForLog(_ parts: String..., timeout: TimeInterval = 15) -> String? {
        errors.wait(after: 0, timeout: timeout) { line in parts.allSatisfy(line.contains) }
    }

    public var logLines: [String] { errors.lines(from: 0) }
    public var outputLines: [String] { output.lines(from: 0) }

    public func close() {
        guard !closed else { return }
        closed = true
        if process.isRunning { try? input.write(contentsOf: Data("quit\n".utf8)) }
        try? input.close()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { close() }

    // MARK: Protocol

    @discardableResult
    private func command(_ text: String, expecting reply: String, timeout: TimeInterval = 30) throws -> String {
        try self.reply(to: text, expecting: reply, timeout: timeout)
    }

    /// Sends one command and waits for its "testbed: ..." answer.
    private func reply(to text: String?, expecting expected: String, timeout: TimeInterval) throws -> String {
        // The start-up line may be in before anyone waits for it.
        let start = text == nil ? 0 : output.count
        if let text {
            // A write to a pipe nobody reads would raise SIGPIPE in the test runner.
            guard process.isRunning else {
                throw TestFailure("testbed exited (\(process.terminationStatus)); stderr: \(errors.lines(from: 0).suffix(20).joined(separator: "\n"))")
            }
            do {
                try input.write(contentsOf: Data((text + "\n").utf8))
            } catch {
                throw TestFailure("testbed is gone (\(error)); stderr: \(errors.lines(from: 0).suffix(20).joined(separator: "\n"))")
            }
        }
        let line = output.wait(after: start, timeout: timeout) {
            $0.hasPrefix("testbed: " + expected) || $0.hasPrefix("testbed: error")
        }
        guard let line else {
            throw TestFailure("testbed gave no '\(expected)' for '\(text ?? "start-up")' in \(Int(timeout)) s; stderr: \(errors.lines(from: 0).suffix(20).joined(separator: "\n"))")
        }
        if line.hasPrefix("testbed: error") { throw TestFailure(line) }
        return line
    }

    private static func json(_ argv: [String]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: argv)
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: Availability

    /// Why the testbed cannot run here, or nil when it can.
    public static let unavailableReason: String? = {
        if geteuid() != 0 { return "needs root: the umockdev testbed runs in private mount and network namespaces" }
        for tool in [wrapper, python, "/usr/bin/unshare", "/usr/bin/udevadm"] where access(tool, X_OK) != 0 {
            return "needs \(tool) (apt-get install umockdev python3-gi gir1.2-umockdev-1.0 util-linux udev)"
        }
        let probe = try? Shell.run([python, "-c", "import gi; gi.require_version('UMockdev', '1.0'); from gi.repository import UMockdev"])
        if probe?.status != 0 { return "needs the UMockdev GObject introspection data (apt-get install gir1.2-umockdev-1.0 python3-gi)" }
        let namespaces = try? Shell.run(["/usr/bin/unshare", "--mount", "--net", "--", "/bin/true"])
        if namespaces?.status != 0 { return "needs to create mount and network namespaces (unshare), which this container does not allow" }
        return nil
    }()
}

extension Trait where Self == ConditionTrait {
    /// For tests of recorded USB devices under umockdev.
    public static var needsUmockdev: Self {
        .enabled(if: UmockdevTestbed.unavailableReason == nil,
                 Comment(rawValue: UmockdevTestbed.unavailableReason ?? "umockdev available"))
    }
}

/// Lines read from one pipe by a blocking reader thread, waited on with a deadline.
final class LineCollector: @unchecked Sendable {
    private let condition = NSCondition()
    private var lines: [String] = []
    private var partial = Data()

    func read(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                append(data)
            }
        }
    }

    private func append(_ data: Data) {
        condition.lock()
        defer { condition.unlock(); condition.broadcast() }
        partial.append(data)
        while let newline = partial.firstIndex(of: 0x0a) {
            lines.append(String(decoding: partial[partial.startIndex..<newline], as: UTF8.self))
            partial = Data(partial[(newline + 1)...])
        }
    }

    var count: Int { condition.lock(); defer { condition.unlock() }; return lines.count }

    func lines(from start: Int) -> [String] {
        condition.lock()
        defer { condition.unlock() }
        return start < lines.count ? Array(lines[start...]) : []
    }

    func wait(after start: Int, timeout: TimeInterval, _ predicate: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        var checked = start
        while true {
            while checked < lines.count {
                if predicate(lines[checked]) { return lines[checked] }
                checked += 1
            }
            if !condition.wait(until: deadline) { return nil }
        }
    }
}
