import Foundation
import Testing
import TestSupport

/// A child is stopped the way its binding said when it was started, even
/// when a reload has deleted the binding since.
@Suite(.needsUdevd, .serialized)
struct StopOnReloadTests {
    @Test func hsADeletedBindingsChildGetsItsOwnStopSignal() throws {
        try #require(geteuid() == 0, "needs root for veth pairs")
        let fixture = try DaemonFixture(prefix: "hsr")
        defer { fixture.cleanUp() }
        let child = try fixture.script("child.sh", """
            # The background sleep ignores SIGINT (sh's rule for async jobs): ended here.
            trap 'echo "got INT"; kill $sleeper; exit 0' INT
            trap 'echo "got TERM"; kill $sleeper; exit 0' TERM
            echo "argv:$*"
            sleep 600 & sleeper=$!
            wait $sleeper
            """)
        try fixture.bindings(["gentle.toml": """
            [match]
            subsystem = "net"
            kernel = "hsr*"
            property.ID_NET_DRIVER = "veth"
            [exec]
            command = ["\(child)", "{interface}"]
            stop-signal = "SIGINT"
            stop-timeout = "3s"
            """])
        try fixture.start()
        let veth = try VethPair(prefix: "hsr")
        defer { veth.delete() }
        #expect(fixture.waitForLog("argv:\(veth.name)") != nil)
        try FileManager.default.removeItem(atPath: fixture.directory.path + "/bindings/gentle.toml")
        fixture.signal(SIGHUP)
        #expect(fixture.waitForLog("configuration reloaded", "1 changed or removed") != nil)
        #expect(fixture.waitForLog("got INT") != nil, "its stop-signal, SIGINT")
        #expect(fixture.logLines(containing: "got TERM").isEmpty, "not the default SIGTERM")
    }
}
