import Foundation
import Testing
import TestSupport

/// Two daemons on one configuration would both rename and start children for
/// the same devices: the second refuses to start (issue 16, cosmetic item).
@Suite(.needsUdevd, .serialized)
struct ConfigLockTests {
    static func second(_ fixture: DaemonFixture, config: String) throws -> Shell.Output {
        try Shell.run(["/usr/bin/timeout", "10", HotplugdBinary.path, "run", "--config", config,
                       "--socket", fixture.directory.path + "/second.sock"])
    }

    @Test func aSecondDaemonOnTheSameBindingsRefusesToStart() throws {
        let fixture = try DaemonFixture(prefix: "clk")
        defer { fixture.cleanUp() }
        try fixture.bindings(["idle.toml": "[match]\nsubsystem = \"net\"\nkernel = \"nomatch*\"\n"])
        try fixture.start()
        let bindings = fixture.directory.path + "/bindings"
        for config in [bindings, bindings + "/", bindings + "/idle.toml"] {
            let result = try Self.second(fixture, config: config)
            #expect(result.status == 1, "\(config): exit \(result.status): \(result.stderr)")
            #expect(result.stderr.contains("another hotplugd is already running on the configuration"), "\(result.stderr)")
            #expect(!result.stderr.contains("ready:"))
        }
        #expect(try fixture.client("status").status == 0, "the first one still answers")
    }

    /// Different files of one directory are different configurations.
    @Test func daemonsOnTwoFilesOfOneDirectoryBothRun() throws {
        let fixture = try DaemonFixture(prefix: "clf")
        defer { fixture.cleanUp() }
        try fixture.bindings(["a.toml": "[match]\nsubsystem = \"net\"\nkernel = \"nomatch*\"\n",
                              "b.toml": "[match]\nsubsystem = \"net\"\nkernel = \"nomatch*\"\n"])
        let bindings = fixture.directory.path + "/bindings"
        let first = try RunningProcess([HotplugdBinary.path, "run", "--config", bindings + "/a.toml", "--socket", fixture.socketPath])
        defer { first.stop() }
        #expect(first.waitForLine(timeout: 20, stderr: true, { $0.contains("ready:") }) != nil)
        let other = try RunningProcess([HotplugdBinary.path, "run", "--config", bindings + "/b.toml",
                                        "--socket", fixture.directory.path + "/second.sock"])
        defer { other.stop() }
        #expect(other.waitForLine(timeout: 20, stderr: true, { $0.contains("ready:") }) != nil, "\(other.errorOutput)")
    }
}
