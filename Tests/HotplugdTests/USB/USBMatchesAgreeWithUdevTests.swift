import Foundation
import Testing
import TestSupport

/// hotplugd's `[match]` against udev's own rule engine, on the same recorded
/// devices. Each case is a `[match]` line and the udev rule condition it
/// stands for; udev (`udevadm test`, in the testbed) tags each device with
/// the cases its rules match, and `hotplugd test` must match the same ones.
/// `driver` and `[match.attribute]` walk the ancestors like DRIVERS and
/// ATTRS{}; the `usb-*` keys read the nearest USB device, like the
/// ID_USB_* properties udev's usb_id derives, not any ancestor.
@Suite(.needsUmockdev, .serialized)
struct USBMatchesAgreeWithUdevTests {
    struct Case: Sendable {
        var name: String
        var match: String
        var udev: String
    }

    static let cases: [Case] = [
        Case(name: "driver_plusb", match: "driver = \"plusb\"", udev: "DRIVERS==\"plusb\""),
        Case(name: "driver_ftdi", match: "driver = \"ftdi_sio\"", udev: "DRIVERS==\"ftdi_sio\""),
        Case(name: "driver_controller", match: "driver = \"xhci_hcd\"", udev: "DRIVERS==\"xhci_hcd\""),
        Case(name: "driver_glob", match: "driver = \"pl*\"", udev: "DRIVERS==\"pl*\""),
        Case(name: "driver_list", match: "driver = [\"ftdi_sio\", \"pl2303\"]", udev: "DRIVERS==\"ftdi_sio|pl2303\""),
        Case(name: "attr_vendor", match: "attribute.idVendor = \"067b\"", udev: "ATTRS{idVendor}==\"067b\""),
        Case(name: "attr_vendor_root_hub", match: "attribute.idVendor = \"1d6b\"", udev: "ATTRS{idVendor}==\"1d6b\""),
        Case(name: "attr_product_not_cable", match: "attribute.idProduct = \"!25a1\"", udev: "ATTRS{idProduct}!=\"25a1\""),
        Case(name: "attr_serial", match: "attribute.serial = \"A50285BI\"", udev: "ATTRS{serial}==\"A50285BI\""),
        Case(name: "attr_serial_root_hub", match: "attribute.serial = \"0000:00:14.0\"", udev: "ATTRS{serial}==\"0000:00:14.0\""),
        Case(name: "attr_product_glob", match: "attribute.product = \"FT232R*\"", udev: "ATTRS{product}==\"FT232R*\""),
        Case(name: "attr_interface_class", match: "attribute.bInterfaceClass = \"ff\"", udev: "ATTRS{bInterfaceClass}==\"ff\""),
        Case(name: "attr_interface_string", match: "attribute.interface = \"FT232R USB UART\"", udev: "ATTRS{interface}==\"FT232R USB UART\""),
        Case(name: "attr_own_address", match: "attribute.address = \"d2:5e:*\"", udev: "ATTRS{address}==\"d2:5e:*\""),
        Case(name: "attr_speed_list", match: "attribute.speed = [\"12\", \"5000\"]", udev: "ATTRS{speed}==\"12|5000\""),
        Case(name: "attr_absent", match: "attribute.nonexistent = \"*\"", udev: "ATTRS{nonexistent}==\"*\""),
        Case(name: "usb_vendor", match: "usb-vendor = \"067b\"", udev: "ENV{ID_USB_VENDOR_ID}==\"067b\""),
        Case(name: "usb_vendor_root_hub", match: "usb-vendor = \"1d6b\"", udev: "ENV{ID_USB_VENDOR_ID}==\"1d6b\""),
        Case(name: "usb_product", match: "usb-product = \"6001\"", udev: "ENV{ID_USB_MODEL_ID}==\"6001\""),
        Case(name: "usb_serial", match: "usb-serial = \"A50285BI\"", udev: "ENV{ID_USB_SERIAL_SHORT}==\"A50285BI\""),
        Case(name: "kernel", match: "kernel = \"ttyUSB*\"", udev: "KERNEL==\"ttyUSB*\""),
        Case(name: "path", match: "path = \"pci-0000:00:14.0-usb-0:2:*\"", udev: "ENV{ID_PATH}==\"pci-0000:00:14.0-usb-0:2:*\""),
    ]

    static let devices = [RecordedUSB.cableNet, RecordedUSB.serialTTY, RecordedUSB.otherTTY]

    @Test func hotplugdMatchesWhatUdevRulesMatch() throws {
        let directory = try TemporaryDirectory(prefix: "hotplugd-usboracle")
        var files: [String: String] = [:]
        var rules = ["# One tag per case, for the devices the case's condition matches."]
        for item in Self.cases {
            files["\(item.name).toml"] = "[match]\nsubsystem = [\"net\", \"tty\"]\n\(item.match)\n"
            rules.append("SUBSYSTEM==\"net|tty\", \(item.udev), TAG+=\"case_\(item.name)\"")
        }
        let config = try RecordedUSB.bindings(files, in: directory)
        try directory.write("99-hotplugd-oracle.rules", rules.joined(separator: "\n") + "\n")
        let testbed = try UmockdevTestbed(rules: [directory.path + "/99-hotplugd-oracle.rules"])
        defer { testbed.close() }
        for fixture in ["xhci-root-hub", "pl25a1", "ft232r", "pl2303"] { try testbed.plug(fixture) }
        var udevOutput: [String] = []
        for fixture in ["pl25a1", "ft232r", "pl2303"] { udevOutput += try testbed.udevInit(fixture) }

        for device in Self.devices {
            let udevMatches = Self.tags(of: device, in: udevOutput)
            let result = try testbed.run([HotplugdBinary.path, "test", "--config", config, device])
            #expect(result.status == 0)
            let hotplugdMatches = Set(result.stdout.compactMap { line -> String? in
                guard line.hasSuffix(": MATCH") else { return nil }
                return line.trimmingCharacters(in: .whitespaces).dropLast(": MATCH".count).description
            })
            #expect(hotplugdMatches == udevMatches, "\(device): hotplugd \(hotplugdMatches.sorted()), udev \(udevMatches.sorted())")
        }
        // The cases are not vacuous: each device matches some and misses some.
        let cableMatches = Self.tags(of: RecordedUSB.cableNet, in: udevOutput)
        #expect(cableMatches.isSuperset(of: ["driver_plusb", "attr_vendor_root_hub", "usb_vendor"]))
        #expect(cableMatches.isDisjoint(with: ["usb_vendor_root_hub", "driver_ftdi", "attr_absent"]))
    }

    /// USB string descriptors are sometimes padded with spaces. udev drops
    /// trailing whitespace from a sysfs value before ATTRS{} compares it
    /// (unless the pattern itself ends in whitespace); hotplugd's
    /// `[match.attribute]` compares the value as read, so the two disagree.
    /// The device is made up for this test: none of the fixtures is padded.
    @Test func paddedAttributeValuesMatchAsInUdev() throws {
        let directory = try TemporaryDirectory(prefix: "hotplugd-usboracle")
        let device = RecordedUSB.pci + "/usb1/1-4"
        try directory.write("padded.umockdev", """
            P: /devices/pci0000:00/0000:00:14.0/usb1/1-4
            E: DEVTYPE=usb_device
            E: SUBSYSTEM=usb
            A: idVendor=1234\\n
            A: idProduct=5678\\n
            A: product=Padded Product  \\n

            """)
        try directory.write("99-hotplugd-padded.rules", "SUBSYSTEM==\"usb\", ATTRS{product}==\"Padded Product\", TAG+=\"case_padded\"\n")
        let config = try RecordedUSB.bindings(["padded.toml": "[match]\nsubsystem = \"usb\"\nattribute.product = \"Padded Product\"\n"], in: directory)
        let testbed = try UmockdevTestbed(rules: [directory.path + "/99-hotplugd-padded.rules"])
        defer { testbed.close() }
        try testbed.plug("xhci-root-hub")
        try testbed.plug(path: directory.path + "/padded.umockdev")
        let udevOutput = try testbed.udevInit(path: directory.path + "/padded.umockdev")
        #expect(Self.tags(of: device, in: udevOutput) == ["padded"], "udev strips the padding")

        let result = try testbed.run([HotplugdBinary.path, "test", "--config", config, device])
        let verdict = result.stdout.first { $0.hasPrefix("  padded:") } ?? "no verdict"
        #expect(verdict == "  padded: MATCH", "trailing whitespace is ignored as udev's ATTRS{} does")
    }

    /// The case names udev tagged `device` with, from `udevadm test`'s TAGS line.
    static func tags(of device: String, in output: [String]) -> Set<String> {
        let prefix = "udevadm: \(device): TAGS="
        guard let line = output.last(where: { $0.hasPrefix(prefix) }) else { return [] }
        let tags = line.dropFirst(prefix.count).split(separator: ":").map(String.init)
        return Set(tags.filter { $0.hasPrefix("case_") }.map { String($0.dropFirst("case_".count)) })
    }
}
