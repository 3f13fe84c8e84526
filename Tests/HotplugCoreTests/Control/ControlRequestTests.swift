import Testing
@testable import HotplugCore

struct ControlRequestTests {
    @Test(arguments: [
        ("status", ControlRequest.status(binding: nil)), ("status gamelink", .status(binding: "gamelink")),
        ("reload", .reload), ("restart gamelink", .restart(binding: "gamelink", device: nil)),
        ("restart gamelink gamelink0\r", .restart(binding: "gamelink", device: "gamelink0")),
        ("  status\t ", .status(binding: nil)), ("metrics", .metrics),
    ])
    func parses(_ line: String, _ expected: ControlRequest) throws {
        #expect(try ControlRequest(parsing: line) == expected)
        #expect(try ControlRequest(parsing: expected.line) == expected)
    }

    @Test(arguments: [
        ("", "empty request"), ("stop", "unknown request 'stop'; expected status, metrics, reload, restart or reexec"),
        ("reload now", "wrong number of arguments for 'reload'"), ("restart", "wrong number of arguments for 'restart'"),
        ("status a b", "wrong number of arguments for 'status'"),
        ("metrics gamelink", "wrong number of arguments for 'metrics'"),
        (String(repeating: "x", count: 5000), "request longer than 4096 bytes"),
    ])
    func refuses(_ line: String, _ message: String) {
        #expect(throws: ControlRequest.ParseError(description: message)) { try ControlRequest(parsing: line) }
    }

    /// Found by FuzzControl: a combining mark after a tab made one grapheme
    /// of separator and word, so the line did not split the same way twice.
    @Test func combiningMarkAfterSeparatorStillSplits() throws {
        let request = try ControlRequest(parsing: "status\t\u{0301}x")
        #expect(request == .status(binding: "\u{0301}x"))
        #expect(try ControlRequest(parsing: request.line) == request)
        #expect(try ControlRequest(parsing: "status\r\n") == .status(binding: nil))
    }

    @Test func onlyStatusAndMetricsAreOpenToEveryone() {
        #expect(!ControlRequest.status(binding: nil).needsPrivilege)
        #expect(!ControlRequest.metrics.needsPrivilege)
        #expect(ControlRequest.reload.needsPrivilege)
        #expect(ControlRequest.restart(binding: "a", device: nil).needsPrivilege)
    }
}
