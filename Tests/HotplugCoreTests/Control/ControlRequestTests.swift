import Testing
@testable import HotplugCore

struct ControlRequestTests {
    @Test(arguments: [
        ("status", ControlRequest.status(binding: nil)), ("status gamelink", .status(binding: "gamelink")),
        ("reload", .reload), ("restart gamelink", .restart(binding: "gamelink", device: nil)),
        ("restart gamelink gamelink0\r", .restart(binding: "gamelink", device: "gamelink0")),
        ("  status\t ", .status(binding: nil)),
    ])
    func parses(_ line: String, _ expected: ControlRequest) throws {
        #expect(try ControlRequest(parsing: line) == expected)
        #expect(try ControlRequest(parsing: expected.line) == expected)
    }

    @Test(arguments: [
        ("", "empty request"), ("stop", "unknown request 'stop'; expected status, reload or restart"),
        ("reload now", "wrong number of arguments for 'reload'"), ("restart", "wrong number of arguments for 'restart'"),
        ("status a b", "wrong number of arguments for 'status'"),
        (String(repeating: "x", count: 5000), "request longer than 4096 bytes"),
    ])
    func refuses(_ line: String, _ message: String) {
        #expect(throws: ControlRequest.ParseError(description: message)) { try ControlRequest(parsing: line) }
    }

    @Test func onlyStatusIsOpenToEveryone() {
        #expect(!ControlRequest.status(binding: nil).needsPrivilege)
        #expect(ControlRequest.reload.needsPrivilege)
        #expect(ControlRequest.restart(binding: "a", device: nil).needsPrivilege)
    }
}
