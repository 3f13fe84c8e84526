import Testing
@testable import HotplugCore

/// Which bindings keep NetworkManager and networkd off their links, and the
/// runtime rules that mark their interfaces (issue 23).
struct UnmanagedRulesTests {
    static func binding(_ link: String, match: String = "usb-vendor = \"067b\"") throws -> Binding {
        let text = "[match]\nsubsystem = \"net\"\n\(match)\n[link]\n\(link)\n"
        return try #require(UdevRulesGeneratorTests.configuration([("b.toml", text)]).bindings.first)
    }

    static func lines(_ files: [(String, String)]) throws -> [String] {
        let text = UnmanagedRules.rules(for: try UdevRulesGeneratorTests.configuration(files)).text ?? ""
        return text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
    }

    @Test(arguments: [
        ("addresses = [\"10.42.0.1/24\"]", true),
        ("mtu = 1500", true),
        ("up = true", true),
        ("up = false", true),
        ("name = \"glk{n}\"", false),
        ("name = \"glk{n}\"\nunmanaged = true", true),
        ("mtu = 1500\nunmanaged = false", false),
    ])
    func aLinkWhoseStateTheBindingSetsIsMarked(link: String, marked: Bool) throws {
        #expect(UnmanagedRules.needsMark(try Self.binding(link)) == marked)
    }

    @Test func unmanagedMustBeABoolean() throws {
        let result = ConfigLoader.load([ConfigSource(path: "/etc/hotplugd/b.toml", text: """
            [match]
            subsystem = "net"
            [link]
            unmanaged = "yes"
            """)])
        guard case .failure(let errors) = result else { Issue.record("accepted a string"); return }
        #expect(errors.diagnostics.contains { $0.description.contains("unmanaged") })
    }

    @Test func theGamelinkBindingGetsBothMarksAfterItsUsbIdsAndDriver() throws {
        let lines = try Self.lines([("gamelink.toml", """
            [match]
            subsystem = "net"
            usb-vendor = "067b"
            usb-product = "25a1"
            driver = "plusb"
            [link]
            name = "gamelink{n}"
            addresses = ["10.42.0.1/24"]
            """)])
        let m = "ENV{.HOTPLUGD_UNMANAGED}"
        #expect(lines == [
            #"ACTION=="remove", GOTO="hotplugd_unmanaged_end""#,
            #"SUBSYSTEM!="net", GOTO="hotplugd_unmanaged_end""#,
            #"SUBSYSTEM=="net", \#(m)="gamelink:1""#,
            #"\#(m)=="gamelink:1", SUBSYSTEMS=="usb", ENV{ID_USB_VENDOR_ID}=="", IMPORT{builtin}="usb_id""#,
            #"\#(m)=="gamelink:1", SUBSYSTEMS=="usb", ENV{ID_USB_VENDOR_ID}=="067b", ENV{ID_USB_MODEL_ID}=="25a1", \#(m)="gamelink:2""#,
            #"\#(m)=="gamelink:2", DRIVERS=="plusb", \#(m)="gamelink:3""#,
            #"\#(m)=="gamelink:3", ENV{NM_UNMANAGED}="1", ENV{ID_NET_MANAGED_BY}="io.hotplugd""#,
            #"LABEL="hotplugd_unmanaged_end""#,
        ])
    }

    /// hotplugd matches `kernel` against the name udev announces (after a
    /// NAME= of 80-net-setup-link), and udev runs the rules again at
    /// hotplugd's own rename, so the binding's own names pass as well.
    @Test func kernelIsTheNameUdevGivesOrTheBindingsOwn() throws {
        let lines = try Self.lines([("cable.toml", """
            [match]
            subsystem = "net"
            kernel = ["vc*", "!vc9"]
            [link]
            name = "cab{n}"
            mtu = 1400
            """)])
        let m = "ENV{.HOTPLUGD_UNMANAGED}"
        #expect(lines.dropFirst(2).dropLast() == [
            #"SUBSYSTEM=="net", \#(m)="cable:1""#,
            #"\#(m)=="cable:1", KERNEL=="cab[0-9]*", \#(m)="cable:2""#,
            #"\#(m)=="cable:1", NAME=="?*", NAME=="vc*", NAME!="vc9", \#(m)="cable:2""#,
            #"\#(m)=="cable:1", NAME=="?*", \#(m)="cable:no""#,
            #"\#(m)=="cable:1", KERNEL=="vc*", KERNEL!="vc9", \#(m)="cable:2""#,
            #"\#(m)=="cable:2", ENV{NM_UNMANAGED}="1", ENV{ID_NET_MANAGED_BY}="io.hotplugd""#,
        ])
    }

    /// After every rule, the tags and SYSTEMD_* properties the tagging rules
    /// leave out are there to test; one line says it all.
    @Test func tagsAndSystemdPropertiesAreTestedAndASingleLineIsPlain() throws {
        let lines = try Self.lines([("t.toml", """
            [match]
            subsystem = "net"
            tag = "lab"
            property.SYSTEMD_ALIAS = "/lab*"
            [link]
            up = true
            """)])
        #expect(lines.dropFirst(2).dropLast() == [
            #"SUBSYSTEM=="net", TAG=="lab", ENV{SYSTEMD_ALIAS}=="/lab*", ENV{NM_UNMANAGED}="1", ENV{ID_NET_MANAGED_BY}="io.hotplugd""#,
        ])
    }

    @Test func noMarkingBindingMeansNoFileAndARenameOnlyLinkStaysTheManagers() throws {
        let output = UnmanagedRules.rules(for: try UdevRulesGeneratorTests.configuration([
            ("rename.toml", "[match]\nsubsystem = \"net\"\nkernel = \"r*\"\n[link]\nname = \"lab{n}\"\n"),
            ("optout.toml", "[match]\nsubsystem = \"net\"\nkernel = \"o*\"\n[link]\nmtu = 9000\nunmanaged = false\n"),
            ("child.toml", "[match]\nsubsystem = \"net\"\n[exec]\ncommand = [\"/bin/true\"]\n"),
        ]))
        #expect(output == UnmanagedRules.Output(text: nil, gaps: []))
    }

    /// A rule wider than its binding would take a device from a manager
    /// that should have it: such a binding is left out, with the reason.
    @Test func aMatchUdevCannotExpressIsAGapNotAWiderRule() throws {
        let output = UnmanagedRules.rules(for: try UdevRulesGeneratorTests.configuration([
            ("pipe.toml", "[match]\nsubsystem = \"net\"\nkernel = \"a|b\"\n[link]\nmtu = 1400\n"),
            ("negtag.toml", "[match]\nsubsystem = \"net\"\ntag = \"!lab\"\n[link]\nmtu = 1400\n"),
            ("fine.toml", "[match]\nsubsystem = \"net\"\nmac = \"02:*\"\n[link]\nmtu = 1400\n"),
        ]))
        #expect(output.gaps.map(\.binding) == ["pipe", "negtag"])
        #expect(output.gaps.map(\.key) == ["[match] kernel", "[match] tag"])
        let text = try #require(output.text)
        #expect(text.contains("# fine ("))
        #expect(!text.contains("# pipe (") && !text.contains("# negtag ("))
    }

    @Test(arguments: [
        ("/run/udev/rules.d/99-zz-hotplugd-unmanaged.rules", true),
        ("/run/udev/rules.d/x.conf", false),
        ("relative.rules", false),
        ("/run/udev/../x.rules", false),
        ("/run/udev/rules.d/.hidden.rules", false),
        ("/x.rules", false),
    ])
    func theRulesFileIsAnAbsoluteRulesName(path: String, valid: Bool) {
        #expect((UnmanagedRules.fileProblem(path) == nil) == valid)
    }
}

/// `check`'s warnings where hotplugd cannot keep a manager off.
struct UnmanagedWarningsTests {
    static let everything = UnmanagedWarnings.Machine(udevRuns: true, networkdLacksUnmanagedFile: false)

    static func warnings(_ text: String, machine: UnmanagedWarnings.Machine = everything) throws -> [String] {
        let sources = [ConfigSource(path: "/etc/hotplugd/b.toml", text: text)]
        guard case .success(let configuration) = ConfigLoader.load(sources) else { throw TestFailure("invalid") }
        return UnmanagedWarnings.find(configuration, sources: sources, machine: machine).map(\.description)
    }

    struct TestFailure: Error { var message: String; init(_ message: String) { self.message = message } }

    @Test func aBindingUdevCannotExpressIsWarnedAtItsLinkTable() throws {
        let warnings = try Self.warnings("[match]\nsubsystem = \"net\"\nkernel = \"a|b\"\n\n[link]\nmtu = 1400\n")
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("/etc/hotplugd/b.toml:5:1: warning: binding 'b': [match] kernel has no exact udev form") == true)
        #expect(warnings.first?.contains("NetworkManager or systemd-networkd may take the link") == true)
    }

    @Test func withoutUdevdOrNetworkdsFileTheMachineIsWarnedAbout() throws {
        let text = "[match]\nsubsystem = \"net\"\n[link]\nmtu = 1400\nunmanaged = true\n"
        let noUdev = try Self.warnings(text, machine: .init(udevRuns: false, networkdLacksUnmanagedFile: true))
        #expect(noUdev.count == 1)
        #expect(noUdev.first?.hasPrefix("/etc/hotplugd/b.toml:5:13: warning: binding 'b': udevd does not run here") == true)
        let oldNetworkd = try Self.warnings(text, machine: .init(udevRuns: true, networkdLacksUnmanagedFile: true))
        #expect(oldNetworkd.first?.contains("networkd before 256 (Debian 12) ignores ID_NET_MANAGED_BY") == true)
    }

    @Test func nothingToKeepOffNothingToWarn() throws {
        let machine = UnmanagedWarnings.Machine(udevRuns: false, networkdLacksUnmanagedFile: true)
        #expect(try Self.warnings("[match]\nsubsystem = \"net\"\nkernel = \"a|b\"\n[link]\nname = \"x{n}\"\n", machine: machine).isEmpty)
        #expect(try Self.warnings("[match]\nsubsystem = \"net\"\n[link]\nmtu = 1400\nunmanaged = false\n", machine: machine).isEmpty)
    }
}
