import Foundation
import Testing
import TestSupport

/// A binding on `tag = "systemd"`: udev adds that tag in 99-systemd.rules,
/// after the generated rules at 90. The rule must still tag the device at
/// add, or `run --tag` never sees it (issue 16, item 3).
@Suite(.needsUdevd, .serialized)
struct LateTagRulesTests {
    @Test func aBindingOnTheSystemdTagSeesItsDeviceAtAdd() throws {
        let fixture = try DaemonFixture(prefix: "rlt")
        defer { fixture.cleanUp() }
        let child = try fixture.script("child.sh", """
            trap 'echo "got TERM"; exit 0' TERM
            echo "argv:$*"
            sleep 600 & wait $!
            """)
        try fixture.bindings(["tagged.toml": """
            [match]
            subsystem = "net"
            kernel = "rlt*"
            tag = "systemd"
            [exec]
            command = ["\(child)", "{interface}"]
            stop-timeout = "2s"
            """])
        let generated = try HotplugdBinary.run("rules", "--config", fixture.directory.path + "/bindings")
        try #require(generated.status == 0, "\(generated.stderr)")
        let rules = try InstalledRules(position: "90", name: "hotplugd-bindings", text: generated.stdout)
        defer { rules.remove() }
        try fixture.start(["--source", "udev", "--tag", "hotplugd"])

        let veth = try VethPair(prefix: "rlt")
        defer { veth.delete() }
        try UdevState.settle()
        let tags = try UdevState.tags(ofInterface: veth.name)
        #expect(tags.contains("hotplugd"), "tagged at add: \(tags)")
        #expect(tags.contains("systemd"))
        #expect(fixture.waitForLog("argv:\(veth.name)") != nil, "run --tag saw the add")
        veth.delete()
        #expect(fixture.waitForLog("got TERM") != nil)
    }
}
