import Glibc
@testable import HotplugLinux
import Logging
import Testing

/// The pure parts of the choice. `LogBackend.bootstrap()` itself is not
/// called: swift-log allows one bootstrap per process.
@Suite("systemd log backend choice")
struct SystemdLogBackendTests {
    @Test("JOURNAL_STREAM matches only the same device and inode", arguments: [
        ("8:12345", true),
        ("8:12346", false),
        ("9:12345", false),
        ("8:12345:1", false),
        ("8", false),
        (":12345", false),
        ("8:", false),
        ("", false),
        ("-8:12345", false),
        (" 8:12345", false),
        ("0x8:12345", false),
        ("8:99999999999999999999999", false),
    ])
    func journalStream(value: String, matches: Bool) {
        #expect(LogBackend.journalStream(value, device: 8, inode: 12345) == matches)
    }

    @Test("device and inode numbers use the whole 64 bits")
    func largeNumbers() {
        #expect(LogBackend.journalStream("18446744073709551615:18446744073709551614",
                                         device: .max, inode: .max - 1))
    }

    @Test("this test process's stderr is not the journal unless systemd says so")
    func stderrHere() {
        // The test runner's stderr is a terminal, pipe or file; only under a
        // unit with StandardError=journal would JOURNAL_STREAM match it.
        if getenv("JOURNAL_STREAM") == nil { #expect(!LogBackend.stderrIsJournal()) }
    }

    @Test("HOTPLUGD_LOG_LEVEL names", arguments: [
        ("debug", Logger.Level.debug), ("info", .info), ("notice", .notice), ("warning", .warning),
        ("error", .error), ("WARNING", .warning), ("Debug", .debug),
    ])
    func levelNames(name: String, level: Logger.Level) {
        #expect(LogBackend.level(named: name) == level)
    }

    @Test("unknown level names are refused", arguments: ["", "warn", "trace", "critical", "verbose", " info"])
    func unknownLevels(name: String) {
        #expect(LogBackend.level(named: name) == nil)
    }
}
