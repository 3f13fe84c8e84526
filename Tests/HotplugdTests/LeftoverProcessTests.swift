import Foundation
import Testing
import TestSupport

/// A child that starts a background process and exits (state `exited`)
/// used to leave that process running after the device was removed.
@Suite(.needsUdevd, .serialized)
struct LeftoverProcessTests {
    @Test func whatAnExitedChildLeftIsStoppedWithTheDevice() throws {
        let fixture = try DaemonFixture(prefix: "lft")
        defer { fixture.cleanUp() }
        let pidFile = fixture.directory.path + "/background.pid"
        let child = try fixture.script("child.sh", "sleep 600 & echo $! > \(pidFile); exit 0")
        try fixture.bindings(["cable.toml": """
            [match]
            subsystem = "net"
            kernel = "lft*"
            [exec]
            command = ["\(child)"]
            restart = "no"
            stop-timeout = "2s"
            """])
        try fixture.start()
        let veth = try VethPair(prefix: "lft")
        defer { veth.delete() }
        #expect(fixture.waitForLog("leaves processes in its group") != nil)
        let text = try #require(eventually { FileManager.default.fileExists(atPath: pidFile) } ? try String(contentsOfFile: pidFile, encoding: .utf8) : nil)
        let background = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { kill(background, SIGKILL) }
        #expect(processIsAlive(background), "the child has exited; its background process runs on")
        veth.delete()
        #expect(eventually(timeout: 5) { !processIsAlive(background) }, "stopped with the device")
        #expect(eventually(timeout: 5) { (try? fixture.client("status", "--json").stdout.contains("\"devices\":[]")) == true }, "and the device forgotten")
    }
}
