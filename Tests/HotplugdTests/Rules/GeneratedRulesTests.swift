import Foundation
import Testing
import TestSupport

/// Rules from `hotplugd rules` on the real udevd: installed at the position
/// the output suggests (90), they see udev's own properties (ID_NET_DRIVER
/// comes from 80-net-setup-link.rules), tag the matching veth, give it the
/// binding's fixed name, and `run --tag` then sees it from add to remove.
@Suite(.needsUdevd, .serialized)
struct GeneratedRulesTests {
    @Test func generatedRuleTagsAndNamesAMatchingVeth() throws {
        let fixture = try DaemonFixture(prefix: "rgv")
        defer { fixture.cleanUp() }
        let fixedName = VethPair.uniqueName(prefix: "rgn")
        defer { deleteInterfaces(withPrefix: fixedName) }
        let child = try fixture.script("child.sh", """
            trap 'echo "got TERM"; exit 0' TERM
            echo "argv:$*"
            sleep 600 & wait $!
            """)
        try fixture.bindings(["cable.toml": """
            [match]
            subsystem = "net"
            # udevd renames before it broadcasts the add: the fixed name is
            # what hotplugd sees (`hotplugd rules` insists on it).
            kernel = ["rgv*", "\(fixedName)"]
            property.ID_NET_DRIVER = "veth"
            [link]
            name = "\(fixedName)"
            [exec]
            command = ["\(child)", "{interface}"]
            stop-timeout = "2s"
            """])
        let generated = try HotplugdBinary.run("rules", "--config", fixture.directory.path + "/bindings")
        try #require(generated.status == 0, "\(generated.stderr)")
        #expect(generated.stdout.contains("NAME=\"\(fixedName)\""))
        let rules = try InstalledRules(position: "90", name: "hotplugd-bindings", text: generated.stdout)
        defer { rules.remove() }
        try fixture.start(["--source", "udev", "--tag", "hotplugd"])

        let veth = try VethPair(prefix: "rgv")
        defer { veth.delete() }
        try UdevState.settle()
        #expect(UdevState.interfaceExists(fixedName), "udevd named it")
        #expect(!UdevState.interfaceExists(veth.name))
        #expect(try UdevState.tags(ofInterface: fixedName).contains("hotplugd"))
        #expect(try !UdevState.tags(ofInterface: veth.peer).contains("hotplugd"), "the peer matches no binding")
        // hotplugd finds the interface already named as its [link] wants.
        #expect(fixture.waitForLog("argv:\(fixedName)") != nil)
        #expect(fixture.logLines(containing: "renamed").isEmpty)

        veth.delete()
        #expect(fixture.waitForLog("got TERM") != nil)
    }
}
