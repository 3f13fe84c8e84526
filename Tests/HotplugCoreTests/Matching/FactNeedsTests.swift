import Testing
@testable import HotplugCore

/// The shell reads from sysfs only what the bindings that might match use.
@Suite struct FactNeedsTests {
    private func needs(_ toml: String) throws -> FactNeeds {
        guard case .success(let configuration) = ConfigLoader.load([ConfigSource(path: "b.toml", text: toml)]) else {
            Issue.record("config did not load")
            return .nothing
        }
        return FactNeeds(try #require(configuration.bindings.first))
    }

    @Test func subsystemKernelAndPropertiesReadNothing() throws {
        let found = try needs("[match]\nsubsystem = \"net\"\nkernel = \"vcable*\"\nproperty.ID_NET_DRIVER = \"veth\"\n[exec]\ncommand = [\"/bin/true\", \"{interface}\", \"{property:ID_PATH}\"]\n")
        #expect(found == .nothing)
    }

    @Test func usbKeysReadTheChainAndItsIdentity() throws {
        let found = try needs("[match]\nsubsystem = \"net\"\nusb-vendor = \"067b\"\n")
        #expect(found.ancestors)
        #expect(found.attributeNames == ["idVendor", "idProduct", "serial"])
    }

    @Test func macReadsTheAddressOnly() throws {
        #expect(try needs("[match]\nsubsystem = \"net\"\nmac = \"02:*\"\n") == FactNeeds(ancestors: false, attributeNames: ["address"]))
    }

    @Test func driverAndAttributesReadTheChain() throws {
        let driven = try needs("[match]\nsubsystem = \"tty\"\ndriver = \"ftdi_sio\"\n")
        #expect(driven.ancestors && driven.driver)
        #expect(try !needs("[match]\nsubsystem = \"net\"\nusb-vendor = \"067b\"\n").driver, "drivers are read only for `driver`")
        let found = try needs("[match]\nsubsystem = \"tty\"\n[match.attribute]\nmanufacturer = \"FTDI\"\n")
        #expect(found.ancestors && found.attributeNames == ["manufacturer"])
    }

    @Test func placeholdersCountToo() throws {
        let found = try needs("[match]\nsubsystem = \"tty\"\n[exec]\ncommand = [\"/bin/echo\", \"{usb-serial}\"]\nenvironment = { PRODUCT = \"{attribute:product}\" }\n")
        #expect(found.ancestors)
        #expect(found.attributeNames == ["idVendor", "idProduct", "serial", "product"])
    }

    @Test func onlyBindingsThatMightMatchAreAsked() throws {
        let sources = [
            ConfigSource(path: "a.toml", text: "[match]\nsubsystem = \"net\"\nkernel = \"vcable*\"\n"),
            ConfigSource(path: "b.toml", text: "[match]\nsubsystem = \"net\"\nkernel = \"usb*\"\nusb-vendor = \"067b\"\n"),
        ]
        guard case .success(let configuration) = ConfigLoader.load(sources) else { Issue.record("config did not load"); return }
        let table = MatchTable(configuration.bindings)
        #expect(table.factNeeds(subsystem: "net", sysname: "vcable0") == .nothing)
        #expect(table.factNeeds(subsystem: "net", sysname: "usb0")?.ancestors == true)
        #expect(table.factNeeds(subsystem: "net", sysname: "eth0") == nil)
    }
}
