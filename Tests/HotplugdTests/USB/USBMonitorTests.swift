import Foundation
import Testing
import TestSupport

/// `hotplugd monitor` on recorded USB devices: their add and remove events,
/// from either source, and the bindings each one matches.
@Suite(.needsUmockdev, .serialized)
struct USBMonitorTests {
    @Test(arguments: ["udev", "kernel"])
    func plugAndUnplugEventsNameTheirBindings(source: String) throws {
        let directory = try TemporaryDirectory(prefix: "hotplugd-usbmonitor")
        let config = try RecordedUSB.bindings([
            "gamelink.toml": RecordedUSB.gamelink(child: "/bin/true"),
            "console.toml": RecordedUSB.serialConsole(child: "/bin/true"),
        ], in: directory)
        let testbed = try UmockdevTestbed()
        defer { testbed.close() }
        try testbed.plug("xhci-root-hub")
        try testbed.start([HotplugdBinary.path, "monitor", "--config", config, "--json", "--source", source])
        #expect(testbed.waitForLog("listening on the \(source) source") != nil)

        try testbed.plug("pl25a1")
        try testbed.plug("ft232r")
        try testbed.plug("pl2303")
        let cable = try #require(testbed.waitForLine(stdout: true) { $0.contains("\"action\":\"add\"") && $0.contains("\"sysname\":\"usb0\"") })
        #expect(cable.contains("\"interface\":\"usb0\""))
        #expect(cable.contains("\"bindings\":[\"gamelink\"]"))
        let serial = try #require(testbed.waitForLine(stdout: true) { $0.contains("\"action\":\"add\"") && $0.contains("\"sysname\":\"ttyUSB0\"") })
        #expect(serial.contains("\"devnode\":\"/dev/ttyUSB0\""))
        #expect(serial.contains("\"bindings\":[\"console\"]"))

        try testbed.unplug("pl25a1")
        let removed = testbed.waitForLine(stdout: true) { $0.contains("\"action\":\"remove\"") && $0.contains("\"sysname\":\"usb0\"") }
        #expect(removed?.contains("\"bindings\":[\"gamelink\"]") == true)
        // Without --all, the PL2303's events match nothing and are not printed.
        #expect(!testbed.outputLines.contains { $0.contains("ttyUSB1") })
    }
}
