import Foundation
import Testing
import TestSupport

/// `hotplugd test` shows each argument as one quoted string that reads back
/// unambiguously: inner quotes and backslashes escaped (issue 16, cosmetic).
@Suite(.needsUdevd)
struct TestCommandArgvTests {
    @Test func innerQuotesAndBackslashesAreEscaped() throws {
        let directory = try TemporaryDirectory()
        try directory.write("q.toml", #"""
            [match]
            subsystem = "net"
            kernel = "tqa*"
            [exec]
            command = ["/bin/echo", 'say "hi"', 'back\slash', "{interface}"]
            """#)
        let veth = try VethPair(prefix: "tqa")
        defer { veth.delete() }
        try Shell.run(["/bin/udevadm", "settle", "--timeout=10"])
        let result = try HotplugdBinary.run("test", "--allow-insecure-config", "--config", directory.path, veth.name)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(#"      [1] "say \"hi\"""#), "\(result.stdout)")
        #expect(result.stdout.contains(#"      [2] "back\\slash""#), "\(result.stdout)")
        #expect(result.stdout.contains("      [3] \"\(veth.name)\""))
    }
}
