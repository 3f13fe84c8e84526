import Foundation
import Testing
import TestSupport

/// `hotplugd run` on recorded USB devices: umockdev plays the plugging and
/// unplugging, hotplugd's libudev monitor and enumeration see the testbed.
@Suite(.needsUmockdev, .serialized)
struct USBRunTests {
    @Test(arguments: ["udev", "kernel"])
    func gamelinkCablePluggedStartsChildAndUnpluggedStopsIt(source: String) throws {
        let directory = try TemporaryDirectory(prefix: "hotplugd-usbrun")
        let child = try RecordedUSB.reportingChild(in: directory)
        let config = try RecordedUSB.bindings(["gamelink.toml": RecordedUSB.gamelink(child: child)], in: directory)
        let testbed = try UmockdevTestbed()
        defer { testbed.close() }
        try testbed.plug("xhci-root-hub")
        try RecordedUSB.startDaemon(testbed, config: config, ["--source", source])

        // The PL2303 has the cable's vendor id but is another device: nothing starts.
        try testbed.plug("pl2303")
        try testbed.plug("pl25a1")
        let argv = try #require(testbed.waitForLog("gamelink usb0", "argv:"))
        #expect(argv.hasSuffix("argv:usb0 6A1A0C1E0005 067b:25a1"))
        #expect(testbed.logLines.filter { $0.contains("started child") }.count == 1)

        try testbed.unplug("pl25a1")
        #expect(testbed.waitForLog("gamelink usb0", "got TERM") != nil)
        #expect(testbed.waitForLog("gamelink usb0", "stopped (exit 0)") != nil)
        #expect(try testbed.stopProgram() == 0)
    }

    @Test func serialAdapterChildGetsItsDevnode() throws {
        let directory = try TemporaryDirectory(prefix: "hotplugd-usbrun")
        let child = try RecordedUSB.reportingChild(in: directory)
        let config = try RecordedUSB.bindings(["console.toml": RecordedUSB.serialConsole(child: child)], in: directory)
        let testbed = try UmockdevTestbed()
        defer { testbed.close() }
        try testbed.plug("xhci-root-hub")
        try RecordedUSB.startDaemon(testbed, config: config, ["--source", "udev"])

        try testbed.plug("pl2303")
        try testbed.plug("ft232r")
        let argv = try #require(testbed.waitForLog("console", "argv:"))
        #expect(argv.hasSuffix("argv:/dev/ttyUSB0 A50285BI"))
        #expect(testbed.logLines.filter { $0.contains("started child") }.count == 1, "the PL2303's ttyUSB1 does not match")

        try testbed.unplug("ft232r")
        #expect(testbed.waitForLog("console", "got TERM") != nil)
        #expect(testbed.waitForLog("console", "stopped (exit 0)") != nil)
    }

    /// Devices present before hotplugd starts are found by enumeration.
    @Test func coldplugWithTheKernelSourceBindsPresentDevices() throws {
        let directory = try TemporaryDirectory(prefix: "hotplugd-usbrun")
        let child = try RecordedUSB.reportingChild(in: directory)
        let config = try RecordedUSB.bindings([
            "gamelink.toml": RecordedUSB.gamelink(child: child),
            "console.toml": RecordedUSB.serialConsole(child: child),
        ], in: directory)
        let testbed = try UmockdevTestbed()
        defer { testbed.close() }
        for fixture in ["xhci-root-hub", "pl25a1", "ft232r", "pl2303"] { try testbed.plug(fixture) }
        try RecordedUSB.startDaemon(testbed, config: config, ["--source", "kernel"])

        #expect(testbed.waitForLog("gamelink usb0", "argv:usb0 6A1A0C1E0005 067b:25a1") != nil)
        #expect(testbed.waitForLog("console", "argv:/dev/ttyUSB0 A50285BI") != nil)
        #expect(testbed.logLines.contains { $0.contains("ready: 2 devices") }, "\(testbed.logLines)")

        try testbed.unplug("pl25a1")
        #expect(testbed.waitForLog("gamelink usb0", "stopped (exit 0)") != nil)
    }

    /// With the udev source, hotplugd enumerates only the devices udevd has
    /// finished with (they have a udev database entry); the others will
    /// arrive as events. umockdev keeps no udev database, so `udevInit` runs
    /// udev's rules on a fixture to give it one, as udevd would.
    @Test func coldplugWithTheUdevSourceTakesTheDevicesUdevFinished() throws {
        let directory = try TemporaryDirectory(prefix: "hotplugd-usbrun")
        let child = try RecordedUSB.reportingChild(in: directory)
        let config = try RecordedUSB.bindings([
            "gamelink.toml": RecordedUSB.gamelink(child: child),
            "console.toml": RecordedUSB.serialConsole(child: child),
        ], in: directory)
        let testbed = try UmockdevTestbed()
        defer { testbed.close() }
        for fixture in ["xhci-root-hub", "pl25a1", "ft232r"] { try testbed.plug(fixture) }
        try testbed.udevInit("pl25a1")
        try RecordedUSB.startDaemon(testbed, config: config, ["--source", "udev"])

        #expect(testbed.waitForLog("gamelink usb0", "argv:usb0 6A1A0C1E0005 067b:25a1") != nil)
        #expect(testbed.logLines.contains { $0.contains("ready: 1 device") }, "\(testbed.logLines)")
        #expect(!testbed.logLines.contains { $0.contains("console") }, "ft232r has no udev database entry yet")
    }

    /// A rename by someone else (udev's NAME=, another tool) arrives as a
    /// move: hotplugd follows the devpath, so the later remove still stops
    /// the child. umockdev cannot rename a netdev itself; the testbed does
    /// what the kernel does (new directory, DEVPATH_OLD, move event).
    @Test func aRenamedInterfaceIsFollowedUntilItIsRemoved() throws {
        let directory = try TemporaryDirectory(prefix: "hotplugd-usbrun")
        let child = try RecordedUSB.reportingChild(in: directory)
        let config = try RecordedUSB.bindings(["gamelink.toml": RecordedUSB.gamelink(child: child)], in: directory)
        let testbed = try UmockdevTestbed()
        defer { testbed.close() }
        try testbed.plug("xhci-root-hub")
        try RecordedUSB.startDaemon(testbed, config: config, ["--source", "udev"])
        try testbed.plug("pl25a1")
        #expect(testbed.waitForLog("gamelink usb0", "argv:usb0") != nil)

        try testbed.move(syspath: RecordedUSB.cableNet, to: "gamelink0")
        #expect(testbed.waitForLog("usb0 is now gamelink0") != nil)
        try testbed.unplug("pl25a1")
        #expect(testbed.waitForLog("gamelink gamelink0", "got TERM") != nil)
        #expect(testbed.waitForLog("gamelink gamelink0", "stopped (exit 0)") != nil)
        #expect(testbed.logLines.filter { $0.contains("started child") }.count == 1, "a move is not a new device")
    }

    /// umockdev fakes sysfs and uevents, not rtnetlink: the recorded usb0 has
    /// no link in the kernel, so `[link]` fails on it, plainly and without
    /// touching anything else (the testbed has its own network namespace).
    /// Renaming and configuring a link is covered on veth, in
    /// `RunCommandTests` and in `GamelinkLinkOnVethTests`.
    @Test func linkSettingsFailOnARecordedInterface() throws {
        let directory = try TemporaryDirectory(prefix: "hotplugd-usbrun")
        let child = try RecordedUSB.reportingChild(in: directory)
        let binding = RecordedUSB.gamelink(child: child)
            .replacingOccurrences(of: "[exec]", with: "[link]\nname = \"gamelink{n}\"\n[exec]")
        let config = try RecordedUSB.bindings(["gamelink.toml": binding], in: directory)
        let testbed = try UmockdevTestbed()
        defer { testbed.close() }
        try testbed.plug("xhci-root-hub")
        try RecordedUSB.startDaemon(testbed, config: config, ["--source", "udev"])
        try testbed.plug("pl25a1")

        // rtnetlink finds no link with the recorded ifindex.
        #expect(testbed.waitForLog("gamelink usb0", "link configuration failed", "is gone") != nil)
        #expect(!testbed.logLines.contains { $0.contains("argv:") }, "no child without its link")
    }
}
