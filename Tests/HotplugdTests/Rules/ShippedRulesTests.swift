import Foundation
import Testing
import TestSupport

/// rules.d/ snippets on the real udevd, with veth devices. The USB matches
/// of the snippets are checked by udev's rule engine on the recorded USB
/// devices (`USBTagFilterTests`, `GamelinkSnippetOnRecordedCableTests`);
/// here udevd itself acts on them: the tag, and the name.
@Suite(.needsUdevd, .serialized)
struct ShippedRulesTests {
    static func snippet(_ name: String) throws -> String {
        try String(contentsOfFile: HotplugdBinary.repositoryRoot + "/rules.d/" + name, encoding: .utf8)
    }

    /// The snippet tags veth "cables" (examples/virtual-cable.toml) as it says.
    @Test func hotplugdSnippetTagsVirtualCablesAndNothingElse() throws {
        let rules = try InstalledRules(position: "80", name: "hotplugd", text: try Self.snippet("80-hotplugd.rules"))
        defer { rules.remove() }
        let cable = try VethPair(prefix: "vcablerq")
        defer { cable.delete() }
        try UdevState.settle()
        #expect(try UdevState.tags(ofInterface: cable.name).contains("hotplugd"))
        #expect(try !UdevState.tags(ofInterface: cable.peer).contains("hotplugd"), "the peer is no cable")
    }

    /// `run --tag hotplugd`: the kernel filter lets only tagged devices
    /// through, at start (enumeration by tag) and as events, remove included
    /// (udev keeps the tag in its database until the device goes).
    @Test func runWithTagSeesOnlyTaggedDevices() throws {
        let rules = try InstalledRules(position: "80", name: "hotplugd", text: try Self.snippet("80-hotplugd.rules"))
        defer { rules.remove() }
        let fixture = try DaemonFixture(prefix: "vcablert")
        defer { fixture.cleanUp() }
        let child = try fixture.script("child.sh", """
            trap 'echo "got TERM"; exit 0' TERM
            echo "argv:$*"
            sleep 600 & wait $!
            """)
        // Matches the tagged cables and the untagged "rtu" veths alike.
        try fixture.bindings(["cable.toml": """
            [match]
            subsystem = "net"
            kernel = ["vcablert*", "rtu*"]
            [exec]
            command = ["\(child)", "{interface}"]
            stop-timeout = "2s"
            """])
        let present = try VethPair(prefix: "vcablert")
        defer { present.delete() }
        try UdevState.settle()
        try fixture.start(["--source", "udev", "--tag", "hotplugd"])
        #expect(fixture.waitForLog("argv:\(present.name)") != nil, "a tagged device present at start")

        let untagged = try VethPair(prefix: "rtu")
        defer { untagged.delete() }
        let plugged = try VethPair(prefix: "vcablert")
        defer { plugged.delete() }
        #expect(fixture.waitForLog("argv:\(plugged.name)") != nil, "a tagged device plugged in")
        try UdevState.settle()
        #expect(fixture.logLines(containing: untagged.name).isEmpty, "the untagged veth never reached hotplugd")

        plugged.delete()
        #expect(fixture.waitForLog(plugged.name, "got TERM") != nil, "the remove event carries the tag")
    }

    /// 70-gamelink.rules names a PL25A1's interface gamelink0. No veth is a
    /// PL25A1, so its USB match is swapped for the veth's name: what is left
    /// is the snippet's own line, and udevd renaming by it.
    @Test func gamelinkSnippetNamesTheInterface() throws {
        try GamelinkInterfaceName.exclusively { try namesTheInterface() }
    }

    func namesTheInterface() throws {
        let usbMatch = #"SUBSYSTEMS=="usb", ATTRS{idVendor}=="067b", ATTRS{idProduct}=="25a1""#
        let text = try Self.snippet("70-gamelink.rules")
        try #require(text.components(separatedBy: usbMatch).count == 2, "the snippet's USB match changed; update this test")
        try #require(!UdevState.interfaceExists("gamelink0"), "an interface gamelink0 exists already on this machine")
        let name = VethPair.uniqueName(prefix: "rgl")
        let rules = try InstalledRules(position: "70", name: "gamelink",
                                       text: text.replacingOccurrences(of: usbMatch, with: "KERNEL==\"\(name)\""))
        defer { rules.remove() }
        let peer = name + "p"
        defer {
            _ = try? Shell.ip("link", "del", peer)
            _ = try? Shell.ip("link", "del", name)
        }
        let added = try Shell.ip("link", "add", name, "type", "veth", "peer", "name", peer)
        try #require(added.status == 0, "\(added.stderr)")
        try UdevState.settle()
        #expect(UdevState.interfaceExists("gamelink0"))
        #expect(!UdevState.interfaceExists(name))
    }
}
