import Foundation
import Testing
import TestSupport

/// rules.d/80-hotplugd.rules and `run --tag hotplugd` on recorded devices:
/// udev's own rule engine (`udevadm test`, in the testbed) applies the shipped
/// snippet to the fixtures, and hotplugd then enumerates only what it tagged.
/// The same on a real udevd, with hotplug events, is in `ShippedRulesTests`.
@Suite(.needsUmockdev, .serialized)
struct USBTagFilterTests {
    static let snippet = HotplugdBinary.repositoryRoot + "/rules.d/80-hotplugd.rules"

    @Test func shippedSnippetTagsTheExampleDevicesAndNotTheOthers() throws {
        let testbed = try UmockdevTestbed(rules: [Self.snippet])
        defer { testbed.close() }
        for fixture in ["xhci-root-hub", "pl25a1", "ft232r", "pl2303"] { try testbed.plug(fixture) }
        var output: [String] = []
        for fixture in ["pl25a1", "ft232r", "pl2303"] { output += try testbed.udevInit(fixture) }
        func tags(_ device: String) -> String? {
            output.last { $0.hasPrefix("udevadm: \(device): TAGS=") }
        }
        #expect(tags(RecordedUSB.cableNet)?.contains(":hotplugd:") == true)
        #expect(tags(RecordedUSB.serialTTY)?.contains(":hotplugd:") == true)
        #expect(tags(RecordedUSB.otherTTY)?.contains(":hotplugd:") == false, "the PL2303 is no example's device")
    }

    /// The tagged tty is enumerated, the untagged one is not. The tagged usb0
    /// is missing too, for a reason of umockdev's: libudev lists tagged
    /// devices by id from /run/udev/tags/hotplugd/, and turns a net device's
    /// id (`n<ifindex>`) into a device by asking the kernel for the
    /// interface's name (SIOCGIFNAME), which umockdev does not fake. A real
    /// udevd with a tagged veth covers net devices (`ShippedRulesTests`).
    @Test func runWithTagEnumeratesOnlyTaggedDevices() throws {
        let directory = try TemporaryDirectory(prefix: "hotplugd-usbtag")
        let child = try RecordedUSB.reportingChild(in: directory)
        // Matches all three: only the tag filter keeps the PL2303 out.
        let config = try RecordedUSB.bindings(["any.toml": """
            [match]
            subsystem = ["net", "tty"]
            usb-vendor = ["067b", "0403"]
            [exec]
            command = ["\(child)", "{sysname}"]
            stop-timeout = "2s"
            """], in: directory)
        let testbed = try UmockdevTestbed(rules: [Self.snippet])
        defer { testbed.close() }
        for fixture in ["xhci-root-hub", "pl25a1", "ft232r", "pl2303"] { try testbed.plug(fixture) }
        for fixture in ["pl25a1", "ft232r", "pl2303"] { try testbed.udevInit(fixture) }
        try RecordedUSB.startDaemon(testbed, config: config, ["--source", "udev", "--tag", "hotplugd"])

        #expect(testbed.waitForLog("argv:ttyUSB0") != nil)
        #expect(testbed.logLines.contains { $0.contains("ready: 1 device") }, "\(testbed.logLines)")
        #expect(!testbed.logLines.contains { $0.contains("ttyUSB1") }, "the PL2303 has no tag")
        #expect(!testbed.logLines.contains { $0.contains("usb0") }, "umockdev cannot resolve n<ifindex>")
    }
}
