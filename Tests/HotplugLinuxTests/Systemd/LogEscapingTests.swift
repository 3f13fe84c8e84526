@testable import HotplugLinux
import Logging
import Testing

/// The daemon's own log escapes control bytes from device strings and child
/// output as `status` does, on stderr and in the journal's MESSAGE (issue 21,
/// item 16): an interface name is the device's and may carry ESC or newlines.
struct LogEscapingTests {
    static let hostile = "lt\u{1b}[31mx\n"

    @Test func ltStderrLineEscapesTheSubjectAndTheMessage() {
        let line = StderrLogHandler.line(level: .warning, message: "child said \u{1b}]0;owned\u{07}",
                                         metadata: ["binding": "cable", "interface": .string(Self.hostile)], priorityPrefix: false)
        #expect(line == "warning cable lt\\x1b[31mx\\x0a: child said \\x1b]0;owned\\x07\n")
        let byDevpath = StderrLogHandler.line(level: .info, message: "m", metadata: ["devpath": .string("/devices/" + Self.hostile)],
                                              priorityPrefix: true)
        #expect(byDevpath == "<6>info /devices/lt\\x1b[31mx\\x0a: m\n")
    }

    @Test func ltJournalMessageIsEscapedAndTheFieldsKeepTheBytes() {
        let fields = JournalLogHandler.fields(level: .info, message: "renamed to " + Self.hostile,
                                              metadata: ["interface": .string(Self.hostile)])
        #expect(fields.first == "MESSAGE=renamed to lt\\x1b[31mx\\x0a")
        #expect(fields.contains("INTERFACE=" + Self.hostile), "journalctl INTERFACE=... matches the exact name")
    }
}
