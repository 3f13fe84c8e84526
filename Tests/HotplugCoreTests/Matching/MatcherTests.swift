import Testing
@testable import HotplugCore

struct MatcherTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var rules: MatchRules
        var device: DeviceFacts
        var failedKey: String?
        var testDescription: String { name }
    }

    static func list(_ values: String...) -> PatternList { PatternList(values) }
    static let net = list("net")

    static let cases: [Case] = [
        Case(name: "subsystem", rules: MatchRules(subsystem: net), device: FakeDevices.gamelink, failedKey: nil),
        Case(name: "subsystem mismatch", rules: MatchRules(subsystem: list("tty")), device: FakeDevices.gamelink, failedKey: "subsystem"),
        Case(name: "subsystem any-of", rules: MatchRules(subsystem: list("tty", "net")), device: FakeDevices.gamelink, failedKey: nil),
        Case(name: "subsystem negated", rules: MatchRules(subsystem: list("!net")), device: FakeDevices.gamelink, failedKey: "subsystem"),
        Case(name: "usb ids through ancestors", rules: MatchRules(subsystem: net, usbVendor: list("067b"), usbProduct: list("25a1")),
             device: FakeDevices.gamelink, failedKey: nil),
        Case(name: "nearest usb_device, not the root hub", rules: MatchRules(subsystem: net, usbVendor: list("1d6b")),
             device: FakeDevices.gamelink, failedKey: "usb-vendor"),
        Case(name: "usb-serial glob", rules: MatchRules(subsystem: net, usbSerial: list("GL*")), device: FakeDevices.gamelink, failedKey: nil),
        Case(name: "usb key on a device without USB", rules: MatchRules(subsystem: net, usbVendor: list("067b")),
             device: FakeDevices.veth("v0"), failedKey: "usb-vendor"),
        Case(name: "driver on an ancestor (DRIVERS)", rules: MatchRules(subsystem: net, driver: list("plusb")),
             device: FakeDevices.gamelink, failedKey: nil),
        Case(name: "driver on the pci ancestor", rules: MatchRules(subsystem: net, driver: list("xhci_*")),
             device: FakeDevices.gamelink, failedKey: nil),
        Case(name: "driver absent", rules: MatchRules(subsystem: net, driver: list("cdc_ether")),
             device: FakeDevices.gamelink, failedKey: "driver"),
        Case(name: "kernel glob", rules: MatchRules(subsystem: net, kernel: list("usb[0-9]")), device: FakeDevices.gamelink, failedKey: nil),
        Case(name: "kernel glob with negation", rules: MatchRules(subsystem: net, kernel: list("usb*", "!usb0")),
             device: FakeDevices.gamelink, failedKey: "kernel"),
        Case(name: "devtype missing means empty", rules: MatchRules(subsystem: net, devtype: list("wlan")),
             device: FakeDevices.gamelink, failedKey: "devtype"),
        Case(name: "devtype negated when missing", rules: MatchRules(subsystem: net, devtype: list("!wlan")),
             device: FakeDevices.gamelink, failedKey: nil),
        Case(name: "mac", rules: MatchRules(subsystem: net, mac: list("02:11:22:*")), device: FakeDevices.gamelink, failedKey: nil),
        Case(name: "path", rules: MatchRules(subsystem: net, path: list("pci-*-usb-0:2:1.0")), device: FakeDevices.gamelink, failedKey: nil),
        Case(name: "tag", rules: MatchRules(subsystem: net, tag: list("systemd")), device: FakeDevices.gamelink, failedKey: nil),
        Case(name: "tag negated", rules: MatchRules(subsystem: net, tag: list("!systemd")), device: FakeDevices.gamelink, failedKey: "tag"),
        Case(name: "tag missing", rules: MatchRules(subsystem: net, tag: list("hotplugd")), device: FakeDevices.gamelink, failedKey: "tag"),
        Case(name: "property", rules: MatchRules(subsystem: net, properties: [KeyedPatterns(key: "ID_BUS", patterns: list("usb"))]),
             device: FakeDevices.gamelink, failedKey: nil),
        Case(name: "property missing", rules: MatchRules(subsystem: net, properties: [KeyedPatterns(key: "ID_WWAN", patterns: list("1"))]),
             device: FakeDevices.gamelink, failedKey: "property.ID_WWAN"),
        Case(name: "attribute on an ancestor (ATTRS)", rules: MatchRules(subsystem: net, attributes: [KeyedPatterns(key: "manufacturer", patterns: list("Prolific*"))]),
             device: FakeDevices.gamelink, failedKey: nil),
        Case(name: "attribute any element of chain", rules: MatchRules(subsystem: net, attributes: [KeyedPatterns(key: "idProduct", patterns: list("0002"))]),
             device: FakeDevices.gamelink, failedKey: nil),
        Case(name: "attribute wrong value", rules: MatchRules(subsystem: net, attributes: [KeyedPatterns(key: "vendor", patterns: list("0x10de"))]),
             device: FakeDevices.gamelink, failedKey: "attribute.vendor"),
        Case(name: "tty through usb-serial chain", rules: MatchRules(subsystem: list("tty"), driver: list("ftdi_sio"), usbVendor: list("0403"), usbProduct: list("6001")),
             device: FakeDevices.serial, failedKey: nil),
        Case(name: "all keys AND", rules: MatchRules(subsystem: net, usbVendor: list("067b"), usbProduct: list("0000")),
             device: FakeDevices.gamelink, failedKey: "usb-product"),
    ]

    @Test(arguments: cases)
    func verdict(_ testCase: Case) {
        let verdict = Matcher.verdict(testCase.rules, testCase.device)
        #expect(verdict.matched == (testCase.failedKey == nil))
        #expect(verdict.failedKey == testCase.failedKey)
        // The fast path the daemon uses must agree with the explained one.
        #expect(Matcher.matches(testCase.rules, testCase.device) == verdict.matched)
    }

    @Test func explainsWhatItSaw() {
        let verdict = Matcher.verdict(MatchRules(subsystem: Self.net, usbVendor: Self.list("067b")), FakeDevices.serial)
        #expect(verdict.explanation == "subsystem: wanted \"net\", saw \"tty\"")
        let usb = Matcher.verdict(MatchRules(subsystem: Self.list("tty"), usbVendor: Self.list("067b")), FakeDevices.serial)
        #expect(usb.explanation == "usb-vendor: wanted \"067b\", saw \"0403\"")
    }
}

struct GlobTests {
    @Test(arguments: [
        ("eth*", "eth0", true), ("eth*", "wlan0", false), ("*", "", true), ("?", "", false),
        ("usb[0-9]", "usb7", true), ("usb[!0-9]", "usb7", false), ("usb[!0-9]", "usbx", true),
        ("a\\*b", "a*b", true), ("a\\*b", "axb", false), ("[abc", "[abc", true), ("*a*a*a*a*b", String(repeating: "a", count: 5000), false),
        ("x*y*z", "xaaybbz", true), ("[]]", "]", true), ("[a-]", "-", true),
    ])
    func matches(_ pattern: String, _ candidate: String, _ expected: Bool) {
        #expect(Glob(pattern).matches(candidate) == expected)
    }
}
