import Testing
@testable import HotplugCore

/// DeviceFacts shares one record between copies; a copy must still be a
/// value of its own.
@Suite struct DeviceFactsValueTests {
    @Test func settingAFieldLeavesCopiesAlone() {
        var renamed = FakeDevices.gamelink
        let original = renamed
        renamed.sysname = "enx021122334455"
        renamed.properties["INTERFACE"] = "enx021122334455"
        #expect(original.sysname == "usb0" && original.properties["INTERFACE"] == "usb0")
        #expect(renamed.sysname == "enx021122334455" && renamed.properties["INTERFACE"] == "enx021122334455")
        #expect(renamed != original)
        renamed.sysname = "usb0"
        renamed.properties["INTERFACE"] = "usb0"
        #expect(renamed == original)
    }
}
