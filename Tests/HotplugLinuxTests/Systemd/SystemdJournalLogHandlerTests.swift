import Foundation
@testable import HotplugLinux
import Logging
import TestSupport
import Testing

@Suite("systemd journal log handler")
struct SystemdJournalLogHandlerTests {
    @Test("message, priority and identifier come first, then the daemon's own fields")
    func wellKnownFields() {
        let fields = JournalLogHandler.fields(
            level: .warning, message: "child exited with status 1",
            metadata: ["child_pid": "4242", "interface": "gamelink0", "devpath": "/devices/pci0000:00/usb1/1-1", "binding": "gamelink"])
        #expect(fields == [
            "MESSAGE=child exited with status 1",
            "PRIORITY=4",
            "SYSLOG_IDENTIFIER=hotplugd",
            "BINDING=gamelink",
            "DEVPATH=/devices/pci0000:00/usb1/1-1",
            "INTERFACE=gamelink0",
            "CHILD_PID=4242",
        ])
    }

    @Test("a message without metadata has only the three fields")
    func noMetadata() {
        #expect(JournalLogHandler.fields(level: .info, message: "started", metadata: [:])
            == ["MESSAGE=started", "PRIORITY=6", "SYSLOG_IDENTIFIER=hotplugd"])
    }

    @Test("levels map to syslog priorities", arguments: [
        (Logger.Level.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
    ])
    func priorities(level: Logger.Level, priority: Int) {
        #expect(JournalLogHandler.fields(level: level, message: "m", metadata: [:])[1] == "PRIORITY=\(priority)")
    }

    @Test("other metadata becomes HOTPLUGD_ fields with valid names, in key order")
    func otherMetadata() {
        let fields = JournalLogHandler.fields(level: .info, message: "m", metadata: [
            "restart-delay": "500ms", "exit status": "1", "attempt": .stringConvertible(3),
            "argv": .array(["a", "b"]), "café": "x", "Binding": "case matters",
        ])
        #expect(Array(fields.dropFirst(3)) == [
            "HOTPLUGD_BINDING=case matters",
            "HOTPLUGD_ARGV=[\"a\", \"b\"]",  // swift-log's own rendering of a list
            "HOTPLUGD_ATTEMPT=3",
            "HOTPLUGD_CAF_=x",
            "HOTPLUGD_EXIT_STATUS=1",
            "HOTPLUGD_RESTART_DELAY=500ms",
        ])
    }

    @Test("a field name longer than journald's 64 bytes is cut to fit")
    func longKey() {
        let name = JournalLogHandler.fieldName(forMetadataKey: String(repeating: "k", count: 100))
        #expect(name == "HOTPLUGD_" + String(repeating: "K", count: 55))
        #expect(name.utf8.count == 64)
        #expect(JournalLogHandler.fieldName(forMetadataKey: "") == "HOTPLUGD_")
    }

    @Test("MESSAGE is escaped as status escapes (journalctl -a prints it raw); the fields keep their bytes")
    func rawMessage() {
        let message = "line one\nline two\u{1b}[31m red\r\u{7f}\u{0} a=b é"
        let fields = JournalLogHandler.fields(level: .info, message: message, metadata: ["binding": "x=y\nz"])
        #expect(fields[0] == "MESSAGE=line one\\x0aline two\\x1b[31m red\\x0d\\x7f\\x00 a=b é")
        #expect(fields[3] == "BINDING=x=y\nz")
    }

    @Test("the call site is recorded as CODE_FILE, CODE_LINE and CODE_FUNC")
    func location() {
        #expect(JournalLogHandler.locationFields(file: "HotplugLinux/Daemon.swift", line: 42, function: "run()")
            == ["CODE_FILE=HotplugLinux/Daemon.swift", "CODE_LINE=42", "CODE_FUNC=run()"])
    }

    @Test("an entry sent through journald comes back with its fields",
          .enabled(if: FileManager.default.fileExists(atPath: journalSocket),
                   "no journald here: \(journalSocket) does not exist"))
    func endToEnd() throws {
        let token = UUID().uuidString
        let message = "child said: line one\nline two\u{1b}[31m"
        var handler = JournalLogHandler(label: "hotplugd")
        handler.metadata = ["binding": "gamelink", "test_token": .string(token)]
        let logger = Logger(label: "hotplugd") { _ in handler }
        logger.warning("\(message)", metadata: ["interface": "gamelink0", "devpath": "/devices/virtual/net/x", "child_pid": "4242"])

        let entry = try #require(try Self.waitForEntry(matching: "HOTPLUGD_TEST_TOKEN=\(token)"),
                                 "journalctl did not show the entry within 10 s")
        #expect(Self.text(entry["MESSAGE"]) == message)
        #expect(Self.text(entry["PRIORITY"]) == "4")
        #expect(Self.text(entry["SYSLOG_IDENTIFIER"]) == "hotplugd")
        #expect(Self.text(entry["BINDING"]) == "gamelink")
        #expect(Self.text(entry["INTERFACE"]) == "gamelink0")
        #expect(Self.text(entry["DEVPATH"]) == "/devices/virtual/net/x")
        #expect(Self.text(entry["CHILD_PID"]) == "4242")
        #expect(Self.text(entry["CODE_FUNC"]) == "endToEnd()")
        #expect(Self.text(entry["_PID"]) == String(getpid()))
    }

    private static let journalSocket = "/run/systemd/journal/socket"

    /// journald writes asynchronously: asks journalctl until the entry shows.
    private static func waitForEntry(matching match: String) throws -> [String: Any]? {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let output = try Shell.run(["/usr/bin/journalctl", "--no-pager", "--output=json", "--all", match])
            if let line = output.stdout.split(separator: "\n").first,
               let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] {
                return object
            }
            usleep(100_000)
        }
        return nil
    }

    /// journalctl's JSON gives a field as a string when it is printable text
    /// and as an array of byte values when it is not (an escape, say).
    private static func text(_ value: Any?) -> String? {
        if let string = value as? String { return string }
        if let bytes = value as? [Int] { return String(decoding: bytes.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self) }
        return nil
    }
}
