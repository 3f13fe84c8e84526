import Testing
@testable import HotplugCore

struct PlaceholderTests {
    func expand(_ text: String, _ device: DeviceFacts = FakeDevices.gamelink, interface: String? = "gamelink0") throws -> String {
        let template = try Template(parsing: text)
        return PlaceholderValues(device: device, bindingName: "gamelink", interface: interface).expand(template)
    }

    @Test func expandsEveryPlaceholder() throws {
        #expect(try expand("{interface}") == "gamelink0")
        #expect(try expand("{sysname}") == "usb0")
        #expect(try expand("{subsystem}:{binding}") == "net:gamelink")
        #expect(try expand("{usb-vendor}:{usb-product} {usb-serial}") == "067b:25a1 GL0001")
        #expect(try expand("{property:ID_PATH}") == "pci-0000:00:14.0-usb-0:2:1.0")
        #expect(try expand("{attribute:manufacturer}") == "Prolific")
        #expect(try expand("{syspath}") == FakeDevices.gamelink.syspath)
        #expect(try expand("{devpath}") == FakeDevices.gamelink.devpath)
        #expect(try expand("{devnode}", FakeDevices.serial) == "/dev/ttyUSB0")
        #expect(try expand("{devnode}") == "")
        #expect(try expand("{{interface}} is {interface}") == "{interface} is gamelink0")
    }

    @Test func hostileValuesStayOneArgument() throws {
        var device = FakeDevices.veth("x")
        device.properties["EVIL"] = "a b; rm -rf / $(id)\n--flag"
        let template = try Template(parsing: "--name={property:EVIL}")
        let value = PlaceholderValues(device: device, bindingName: "b", interface: "hq;>x").expand(template)
        #expect(value == "--name=a b; rm -rf / $(id)\n--flag")
        let placeholderInValue = try expand("{property:X}", { var d = FakeDevices.veth("x"); d.properties["X"] = "{interface}"; return d }())
        #expect(placeholderInValue == "{interface}")
    }

    @Test(arguments: [("{nope}", 0, "unknown placeholder '{nope}'"), ("a}", 1, "unmatched '}' (write '}}' for a literal brace)"),
                      ("{property:}", 0, "invalid property name in placeholder '{property:}'"),
                      ("{attribute:../../etc/shadow}", 0, "invalid attribute name in placeholder '{attribute:../../etc/shadow}'"),
                      ("ab{syspth}", 2, "unknown placeholder '{syspth}'; did you mean '{syspath}'?")])
    func rejects(_ text: String, _ offset: Int, _ message: String) {
        #expect(throws: Template.ParseError(offset: offset, message: message)) { try Template(parsing: text) }
    }

    @Test func launchPlanEnvironment() throws {
        let exec = ExecSettings(command: [try Template(parsing: "/bin/run"), try Template(parsing: "{interface}")],
                                environment: [("ROLE", try Template(parsing: "host")), ("INTERFACE", try Template(parsing: "override"))])
        var device = FakeDevices.gamelink
        device.properties["BAD-NAME"] = "x"
        device.properties["PATH"] = "/evil"
        let plan = LaunchPlan(exec: exec, values: PlaceholderValues(device: device, bindingName: "gamelink", interface: "gamelink0"))
        #expect(plan.argv == ["/bin/run", "gamelink0"])
        #expect(plan.environment.first == "PATH=\(LaunchPlan.defaultPath)")
        #expect(plan.environment.contains("ID_VENDOR_ID=067b"))
        #expect(!plan.environment.contains { $0.hasPrefix("BAD-NAME=") })
        #expect(plan.environment.contains("HOTPLUGD_BINDING=gamelink"))
        #expect(plan.environment.contains("HOTPLUGD_SYSPATH=\(device.syspath)"))
        #expect(plan.environment.contains("ROLE=host"))
        #expect(plan.environment.filter { $0.hasPrefix("INTERFACE=") } == ["INTERFACE=override"])
    }

    @Test func interfaceNameTemplates() throws {
        let template = try InterfaceNameTemplate(parsing: "gamelink{n}")
        #expect(template.firstFreeName(taken: ["gamelink0", "gamelink1", "gamelink3"]) == "gamelink2")
        #expect(template.accepts("gamelink12"))
        #expect(!template.accepts("gamelink01"))
        #expect(!template.accepts("gamelinkx"))
        #expect(LinkPlanning.targetName(template, current: "gamelink4", taken: ["gamelink4"]) == "gamelink4")
        #expect(LinkPlanning.targetName(template, current: "usb0", taken: ["usb0", "gamelink0"]) == "gamelink1")
        let fixed = try InterfaceNameTemplate(parsing: "lab")
        #expect(LinkPlanning.targetName(fixed, current: "usb0", taken: ["lab"]) == nil)
    }
}
