import Foundation
import Testing
import TestSupport

/// `run` checks its options before it starts anything (issue 16, item 7): a
/// tag udev cannot hold used to start a daemon that failed to enumerate and
/// then ignored every device present.
@Suite(.serialized)
struct RunOptionValidationTests {
    @Test(arguments: ["", String(repeating: "t", count: 300), "a:b"])
    func aTagUdevCannotHoldIsRefusedBeforeStarting(_ tag: String) throws {
        let fixture = try DaemonFixture(prefix: "rov")
        defer { fixture.cleanUp() }
        try fixture.bindings(["n.toml": "[match]\nsubsystem = \"net\"\nkernel = \"rov*\"\n"])
        // `timeout` stands in for a daemon that would have started and stayed.
        let result = try Shell.run(["/usr/bin/timeout", "10", HotplugdBinary.path, "run", "--allow-insecure-config",
                                    "--config", fixture.directory.path + "/bindings",
                                    "--socket", fixture.socketPath, "--source", "udev", "--tag", tag])
        #expect(result.status != 0 && result.status != 124, "exit \(result.status): \(result.stderr)")
        #expect(result.stderr.contains("--tag"), "\(result.stderr)")
        #expect(!result.stderr.contains("ready:"))
    }
}
