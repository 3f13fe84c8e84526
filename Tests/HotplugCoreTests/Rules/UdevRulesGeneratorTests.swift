import Testing
@testable import HotplugCore

/// `hotplugd rules`: the text for each kind of key, and the refusals for
/// what udev rules cannot express exactly.
struct UdevRulesGeneratorTests {
    /// Bindings from (file name, TOML) pairs, as `check` would load them.
    static func configuration(_ files: [(String, String)]) throws -> Configuration {
        let sources = files.map { ConfigSource(path: "/etc/hotplugd/\($0.0)", text: $0.1) }
        switch ConfigLoader.load(sources) {
        case .success(let configuration): return configuration
        case .failure(let errors): throw errors
        }
    }

    static func rules(_ files: [(String, String)], tag: String = "hotplugd") throws -> String {
        try UdevRulesGenerator.rules(for: configuration(files), configPath: "/etc/hotplugd", tag: tag)
    }

    static func lines(_ files: [(String, String)]) throws -> [String] {
        try rules(files).split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
    }

    static func refusals(_ files: [(String, String)], tag: String = "hotplugd") throws -> [UdevRulesError] {
        let loaded = try configuration(files)
        do {
            _ = try UdevRulesGenerator.rules(for: loaded, configPath: "/etc/hotplugd", tag: tag)
            return []
        } catch {
            return error.errors
        }
    }

    @Test func ownKeysMakeOneLineForTheTagAndOneForAFixedName() throws {
        let lines = try Self.lines([("cable.toml", """
            [match]
            subsystem = "net"
            kernel = ["vc*", "cable0", "!vc9"]
            property.ID_NET_DRIVER = "veth"
            mac = "02:*"
            path = "pci-*"
            devtype = "!wlan"
            [link]
            name = "cable0"
            """)])
        let own = #"SUBSYSTEM=="net", ENV{DEVTYPE}!="wlan", KERNEL=="vc*|cable0", KERNEL!="vc9", ATTR{address}=="02:*", ENV{ID_PATH}=="pci-*", ENV{ID_NET_DRIVER}=="veth""#
        #expect(lines == [
            #"ACTION=="remove", GOTO="hotplugd_end""#,
            own + #", TAG+="hotplugd""#,
            own + #", ACTION=="add", NAME="cable0""#,
            #"LABEL="hotplugd_end""#,
        ])
    }

    @Test func usbIdsComeFromUsbIdAndEachParentKeyGetsAStep() throws {
        let lines = try Self.lines([("gamelink.toml", """
            [match]
            subsystem = "net"
            usb-vendor = "067b"
            usb-product = ["25a1", "25a2"]
            usb-serial = "6A1A*"
            driver = "plusb"
            attribute.bInterfaceClass = "ff"
            [link]
            name = "gamelink0"
            """)])
        let m = "ENV{.HOTPLUGD_MATCH}"
        #expect(lines == [
            #"ACTION=="remove", GOTO="hotplugd_end""#,
            #"SUBSYSTEM=="net", \#(m)="gamelink:1""#,
            #"\#(m)=="gamelink:1", SUBSYSTEMS=="usb", ENV{ID_USB_VENDOR_ID}=="", IMPORT{builtin}="usb_id""#,
            #"\#(m)=="gamelink:1", SUBSYSTEMS=="usb", ENV{ID_USB_VENDOR_ID}=="067b", ENV{ID_USB_MODEL_ID}=="25a1|25a2", ENV{ID_USB_SERIAL_SHORT}=="6A1A*", \#(m)="gamelink:2""#,
            #"\#(m)=="gamelink:2", DRIVERS=="plusb", \#(m)="gamelink:3""#,
            #"\#(m)=="gamelink:3", ATTRS{bInterfaceClass}=="ff", \#(m)="gamelink:4""#,
            #"\#(m)=="gamelink:4", TAG+="hotplugd""#,
            #"\#(m)=="gamelink:4", ACTION=="add", NAME="gamelink0""#,
            #"LABEL="hotplugd_end""#,
        ])
    }

    /// hotplugd passes `driver = "!plusb"` on a chain without any driver (the
    /// empty string passes); udev counts each driverless device as "", so the
    /// rule insists on a driver, stops at drivers that all fail, and falls
    /// back for a chain without drivers.
    @Test func negatedDriverKeepsHotplugdsMeaningForChainsWithoutDrivers() throws {
        let lines = try Self.lines([("d.toml", "[match]\nsubsystem = \"net\"\ndriver = \"!plusb\"\n")])
        let m = "ENV{.HOTPLUGD_MATCH}"
        #expect(lines.contains(#"\#(m)=="d:1", DRIVERS=="?*", DRIVERS!="plusb", \#(m)="d:2""#))
        #expect(lines.contains(#"\#(m)=="d:1", DRIVERS=="?*", \#(m)="d:no""#))
        #expect(lines.contains(#"\#(m)=="d:1", \#(m)="d:2""#))
    }

    @Test func positiveDriverNeedsNoFallback() throws {
        let lines = try Self.lines([("d.toml", "[match]\nsubsystem = \"net\"\ndriver = [\"plusb\", \"cdc_*\"]\n")])
        #expect(lines.filter { $0.contains("DRIVERS") } == [#"ENV{.HOTPLUGD_MATCH}=="d:1", DRIVERS=="plusb|cdc_*", ENV{.HOTPLUGD_MATCH}="d:2""#])
    }

    /// Without a positive pattern, ATTRS{}!= alone would pass on an ancestor
    /// that lacks the attribute; hotplugd needs one that has it.
    @Test func negatedAttributeNeedsTheAttribute() throws {
        let lines = try Self.lines([("a.toml", "[match]\nsubsystem = \"tty\"\nattribute.idProduct = \"!2303\"\n")])
        #expect(lines.contains(#"ENV{.HOTPLUGD_MATCH}=="a:1", ATTRS{idProduct}=="*", ATTRS{idProduct}!="2303", ENV{.HOTPLUGD_MATCH}="a:2""#))
    }

    @Test func templatedNamesAreLeftToHotplugdAndSaidSo() throws {
        let text = try Self.rules([("g.toml", "[match]\nsubsystem = \"net\"\nkernel = \"usb*\"\n[link]\nname = \"gamelink{n}\"\n")])
        #expect(text.contains("# [link] name gamelink{n}: hotplugd names it; udev cannot pick the lowest free index."))
        #expect(!text.contains("NAME=\""))
    }

    @Test func theTagIsTheOneAsked() throws {
        let text = try Self.rules([("g.toml", "[match]\nsubsystem = \"net\"\n")], tag: "lab-devices")
        #expect(text.contains(#"SUBSYSTEM=="net", TAG+="lab-devices""#))
        #expect(text.contains("#     hotplugd run --tag lab-devices"))
    }

    @Test func quotesAreEscapedAsUdevReadsThem() throws {
        let lines = try Self.lines([("q.toml", "[match]\nsubsystem = \"net\"\nproperty.ID_MODEL = 'say \"hi\"'\n")])
        #expect(lines.contains(#"SUBSYSTEM=="net", ENV{ID_MODEL}=="say \"hi\"", TAG+="hotplugd""#))
    }

    @Test func noBindingsMakeAFileThatDoesNothing() throws {
        let text = try UdevRulesGenerator.rules(for: Configuration(bindings: []), configPath: "/etc/hotplugd")
        #expect(text.hasSuffix("ACTION==\"remove\", GOTO=\"hotplugd_end\"\n\nLABEL=\"hotplugd_end\"\n"))
    }

    @Test func everyShippedExampleCanBeExpressed() throws {
        let names = ["gamelink", "usb-nic", "usb-serial", "virtual-cable"]
        let files = try names.map { name -> (String, String) in
            let path = ValidConfigTests.repositoryRoot.appendingPathComponent("examples/\(name).toml").path
            return ("\(name).toml", try String(contentsOfFile: path, encoding: .utf8))
        }
        let text = try Self.rules(files)
        for name in names { #expect(text.contains("# \(name) (/etc/hotplugd/\(name).toml)")) }
    }

    struct Refused: Sendable, CustomTestStringConvertible {
        var toml: String
        var key: String
        var reason: String
        var testDescription: String { key + ": " + reason }
    }

    static let refused: [Refused] = [
        Refused(toml: "kernel = \"a|b\"", key: "[match] kernel", reason: "which udev reads as \"or\""),
        Refused(toml: #"kernel = 'eth\*'"#, key: "[match] kernel", reason: "backslash"),
        Refused(toml: "kernel = \"é*\"", key: "[match] kernel", reason: "non-ASCII"),
        Refused(toml: "property.ID_X = [\"\", \"a\"]", key: "[match.property] ID_X", reason: "empty pattern cannot be combined"),
        Refused(toml: "mac = \"!02:*\"", key: "[match] mac", reason: "without an address"),
        Refused(toml: "tag = \"*\"", key: "[match] tag", reason: "matches the empty string"),
        Refused(toml: "usb-serial = \"AB CD\"", key: "[match] usb-serial", reason: "replaces with '_'"),
        Refused(toml: "attribute.\"a$b\" = \"x\"", key: "[match.attribute] a$b", reason: "substitutions"),
    ]

    @Test(arguments: refused)
    func refusesWhatUdevWouldReadDifferently(_ item: Refused) throws {
        let problems = try Self.refusals([("b.toml", "[match]\nsubsystem = \"net\"\n\(item.toml)\n")])
        #expect(problems.count == 1)
        #expect(problems.first?.file == "/etc/hotplugd/b.toml")
        #expect(problems.first?.binding == "b")
        #expect(problems.first?.key == item.key)
        #expect(problems.first?.message.contains(item.reason) == true, "\(problems)")
    }

    /// usb_id derives no ID_USB_* for usb_interface devices.
    @Test func refusesUsbIdsOnDevicesThatMayBeInterfaces() throws {
        let problems = try Self.refusals([("u.toml", "[match]\nsubsystem = \"usb\"\nusb-vendor = \"067b\"\n")])
        #expect(problems.map(\.key) == ["[match] usb-vendor"])
        #expect(problems.first?.message.contains("devtype = \"usb_device\"") == true)
        let fine = try Self.refusals([("u.toml", "[match]\nsubsystem = \"usb\"\ndevtype = \"usb_device\"\nusb-vendor = \"067b\"\n")])
        #expect(fine.isEmpty)
    }

    @Test func refusesNamesUdevWouldSubstitute() throws {
        let problems = try Self.refusals([("n.toml", "[match]\nsubsystem = \"net\"\n[link]\nname = \"gl$x\"\n")])
        #expect(problems.map(\.key) == ["[link] name"])
    }

    /// udevd renames before it broadcasts the add, so `kernel` then sees the
    /// fixed name: a binding whose kernel patterns miss it would stop matching.
    @Test func refusesANameTheBindingsKernelPatternMisses() throws {
        let problems = try Self.refusals([("n.toml", "[match]\nsubsystem = \"net\"\nkernel = \"usb*\"\n[link]\nname = \"cable0\"\n")])
        #expect(problems.map(\.key) == ["[link] name"])
        #expect(problems.first?.message.contains("add it to kernel") == true)
        let fine = try Self.refusals([("n.toml", "[match]\nsubsystem = \"net\"\nkernel = [\"usb*\", \"cable0\"]\n[link]\nname = \"cable0\"\n")])
        #expect(fine.isEmpty)
    }

    @Test func refusesABadTag() throws {
        let problems = try Self.refusals([("n.toml", "[match]\nsubsystem = \"net\"\n")], tag: "two words")
        #expect(problems.map(\.key) == ["--tag"])
    }

    @Test func reportsEveryProblemOfEveryBinding() throws {
        let problems = try Self.refusals([
            ("a.toml", "[match]\nsubsystem = \"net\"\nkernel = \"a|b\"\ntag = \"*\"\n"),
            ("b.toml", "[match]\nsubsystem = \"net\"\ndriver = \"x|y\"\n"),
        ])
        #expect(problems.map { "\($0.binding) \($0.key)" } == ["a [match] kernel", "a [match] tag", "b [match] driver"])
        #expect(problems.first?.description.hasPrefix("/etc/hotplugd/a.toml: [match] kernel: ") == true)
    }
}
