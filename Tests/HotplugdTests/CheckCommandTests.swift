import Foundation
import Testing
import TestSupport

/// `hotplugd check` as a user runs it.
struct CheckCommandTests {
    @Test func examplesAreValid() throws {
        let result = try HotplugdBinary.run("check", "--config", HotplugdBinary.repositoryRoot + "/examples")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines.first?.hasPrefix("gamelink: match \"net\" usb-vendor \"067b\" usb-product \"25a1\"") == true)
    }

    @Test func typoIsReportedAtItsLineAndColumn() throws {
        let directory = try TemporaryDirectory()
        try directory.write("cable.toml", "[match]\nsubsystem = \"net\"\n\n[exec]\ncommand = [\"/bin/true\"]\nstop-timout = \"3s\"\n")
        try directory.write("other.toml", "[match]\nsubsystem = \"net\"\n[link]\nmtu = \"big\"\n")
        let result = try HotplugdBinary.run("check", "--config", directory.path)
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(directory.path)/cable.toml:6:1: unknown key 'stop-timout' in [exec]; did you mean 'stop-timeout'?"))
        #expect(result.stderr.contains("\(directory.path)/other.toml:4:7: 'mtu' must be an integer, found a string"))
        #expect(result.stderr.contains("2 errors"))
    }

    @Test func missingConfigIsAnError() throws {
        let result = try HotplugdBinary.run("check", "--config", "/nonexistent/hotplugd")
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent/hotplugd: cannot read configuration: No such file or directory"))
    }
}
