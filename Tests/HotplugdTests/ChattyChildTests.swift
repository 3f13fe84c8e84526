import Foundation
import Testing
import TestSupport

/// A child that writes as fast as it can (`yes`) is rate-limited in the
/// log, the dropped lines are counted, and the daemon goes on serving
/// other devices and `status`.
@Suite(.needsUdevd, .serialized)
struct ChattyChildTests {
    @Test func aFloodingChildIsCountedNotLoggedAndOthersStillStart() throws {
        let fixture = try DaemonFixture(prefix: "cht")
        defer { fixture.cleanUp() }
        let quiet = try fixture.script("quiet.sh", "echo started; exec sleep 600")
        try fixture.bindings([
            "chatty.toml": "[match]\nsubsystem = \"net\"\nkernel = \"chty*\"\n[exec]\ncommand = [\"/usr/bin/yes\", \"chatter\"]\n",
            "quiet.toml": "[match]\nsubsystem = \"net\"\nkernel = \"chtz*\"\n[exec]\ncommand = [\"\(quiet)\"]\n",
        ])
        try fixture.start()
        let chatty = try VethPair(prefix: "chty")
        defer { chatty.delete() }
        #expect(fixture.waitForLog("line(s) of output dropped: the child writes more than 200 lines a second", timeout: 20) != nil)

        let other = try VethPair(prefix: "chtz")
        defer { other.delete() }
        #expect(fixture.waitForLog("quiet", "started") != nil, "another device's child starts while the flood goes on")
        let status = try fixture.client("status")
        #expect(status.status == 0 && status.stdout.contains("chatty") && status.stdout.contains("running"))
        let logged = fixture.logLines(containing: "chatter").count
        #expect(logged >= 1000, "the first burst is logged whole: \(logged)")
    }
}
