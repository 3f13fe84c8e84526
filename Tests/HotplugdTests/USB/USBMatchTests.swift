import Foundation
import Testing
import TestSupport

/// `hotplugd test` on recorded USB devices: the facts read through the net
/// and tty children's USB ancestors, and every binding's verdict.
@Suite(.needsUmockdev, .serialized)
struct USBMatchTests {
    static let bindings: [String: String] = [
        "gamelink.toml": RecordedUSB.gamelink(child: "/usr/local/bin/gamelink-autoconf"),
        "console.toml": RecordedUSB.serialConsole(child: "/sbin/agetty"),
        "prolific-cable-tty.toml": """
            [match]
            subsystem = "tty"
            usb-vendor = "067b"
            usb-product = "25a1"
            """,
        "with-serial.toml": """
            [match]
            subsystem = ["net", "tty"]
            usb-serial = "?*"
            """,
    ]

    /// A testbed with every fixture plugged in, and `hotplugd test` on one device.
    static func explain(_ device: String) throws -> String {
        let directory = try TemporaryDirectory(prefix: "hotplugd-usbtest")
        let config = try RecordedUSB.bindings(bindings, in: directory)
        let testbed = try UmockdevTestbed()
        defer { testbed.close() }
        for fixture in ["xhci-root-hub", "pl25a1", "ft232r", "pl2303"] { try testbed.plug(fixture) }
        let result = try testbed.run([HotplugdBinary.path, "test", "--config", config, device])
        #expect(result.status == 0, "\(testbed.logLines)")
        return result.stdout.joined(separator: "\n")
    }

    @Test func explainsTheCableMatchFromItsNetInterface() throws {
        let out = try Self.explain("usb0")
        #expect(out.contains("  subsystem   net"))
        #expect(out.contains("  driver      plusb, usb, usb, xhci_hcd (ancestors)"))
        #expect(out.contains("  usb         067b:25a1 serial 6A1A0C1E0005 at \(RecordedUSB.pci)/usb1/1-1"))
        #expect(out.contains("  path        pci-0000:00:14.0-usb-0:1:1.0"))
        #expect(out.contains("ID_NET_NAME_PATH=enp0s20u1"))
        #expect(out.contains("  gamelink: MATCH"))
        #expect(out.contains("      [1] \"usb0\""))
        #expect(out.contains("      [2] \"6A1A0C1E0005\""))
        #expect(out.contains("      [3] \"067b:25a1\""))
        #expect(out.contains("  console: no match: subsystem: wanted \"tty\", saw \"net\""))
        #expect(out.contains("  with-serial: MATCH"))
    }

    @Test func explainsTheSerialAdapterMatchFromItsTTY() throws {
        let out = try Self.explain(RecordedUSB.serialTTY)
        #expect(out.contains("  devnode     /dev/ttyUSB0"))
        #expect(out.contains("  driver      ftdi_sio, ftdi_sio, usb, usb, xhci_hcd (ancestors)"))
        #expect(out.contains("  usb         0403:6001 serial A50285BI at \(RecordedUSB.pci)/usb1/1-2"))
        #expect(out.contains("  console: MATCH"))
        #expect(out.contains("      [1] \"/dev/ttyUSB0\""))
        #expect(out.contains("      [2] \"A50285BI\""))
        #expect(out.contains("  gamelink: no match: subsystem: wanted \"net\", saw \"tty\""))
    }

    /// The PL2303 shares the cable's vendor id; the verdicts say which key
    /// tells them apart, and that it has no serial at all.
    @Test func explainsWhyTheOtherAdapterDoesNotMatch() throws {
        let out = try Self.explain(RecordedUSB.otherTTY)
        #expect(out.contains("  usb         067b:2303 serial - at \(RecordedUSB.pci)/usb1/1-3"))
        #expect(out.contains("  console: no match: driver: wanted \"ftdi_sio\", saw \"pl2303, pl2303, usb, usb, xhci_hcd\""))
        #expect(out.contains("  prolific-cable-tty: no match: usb-product: wanted \"25a1\", saw \"2303\""))
        #expect(out.contains("  with-serial: no match: usb-serial: wanted \"?*\", saw nothing"))
    }
}
