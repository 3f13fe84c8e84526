import Foundation
import Testing
import TestSupport

/// `hotplugd test` and `hotplugd monitor` against real veth devices and udevd.
@Suite(.needsUdevd)
struct TestAndMonitorCommandTests {
    static let binding = """
        [match]
        subsystem = "net"
        kernel = "tmx*"
        property.ID_NET_DRIVER = "veth"
        [link]
        name = "tmlink{n}"
        mtu = 1400
        addresses = ["10.252.0.1/24"]
        [exec]
        command = ["/bin/echo", "{interface}", "{property:ID_NET_DRIVER}"]
        """

    @Test func testExplainsMatchAndMismatch() throws {
        let directory = try TemporaryDirectory()
        try directory.write("veth.toml", Self.binding)
        try directory.write("usb.toml", "[match]\nsubsystem = \"net\"\nusb-vendor = \"067b\"\n")
        let veth = try VethPair(prefix: "tmx")
        defer { veth.delete() }
        try Shell.run(["/bin/udevadm", "settle", "--timeout=10"])
        let result = try HotplugdBinary.run("test", "--config", directory.path, veth.name)
        #expect(result.status == 0, "\(result.stderr)")
        let out = result.stdout
        #expect(out.contains("  subsystem   net"))
        #expect(out.contains("ID_NET_DRIVER=veth"))
        #expect(out.contains("  veth: MATCH"))
        #expect(out.contains("rename: \(veth.name) -> tmlink"))
        #expect(out.contains("mtu: 1400"))
        #expect(out.contains("[1] \"tmlink"))
        #expect(out.contains("[2] \"veth\""))
        #expect(out.contains("  usb: no match: usb-vendor: wanted \"067b\", saw \"no USB device among the ancestors\""))
        // It changed nothing.
        #expect(FileManager.default.fileExists(atPath: "/sys/class/net/\(veth.name)"))
    }

    @Test func testRejectsUnknownDevice() throws {
        let directory = try TemporaryDirectory()
        try directory.write("veth.toml", Self.binding)
        let result = try HotplugdBinary.run("test", "--config", directory.path, "nosuchdev0")
        #expect(result.status == 2)
        #expect(result.stderr.contains("no such device: 'nosuchdev0'"))
    }

    @Test func monitorPrintsMatchedEvents() throws {
        let directory = try TemporaryDirectory()
        try directory.write("veth.toml", Self.binding)
        let monitor = try RunningProcess([HotplugdBinary.path, "monitor", "--config", directory.path, "--json"])
        defer { monitor.stop() }
        #expect(monitor.waitForLine(stderr: true) { $0.contains("listening on the udev source") } != nil)
        let name = VethPair.uniqueName(prefix: "tmx")
        defer { deleteInterfaces(withPrefix: name) }
        try Shell.ip("link", "add", name, "type", "veth", "peer", "name", name + "p")
        let seen = monitor.waitForLine { $0.contains("\"action\":\"add\"") && $0.contains("\"sysname\":\"\(name)\"") }
        let line = try #require(seen)
        #expect(line.contains("\"subsystem\":\"net\""))
        #expect(line.contains("\"bindings\":[\"veth\"]"))
        try Shell.ip("link", "del", name)
        let removed = monitor.waitForLine { $0.contains("\"action\":\"remove\"") && $0.contains("\"sysname\":\"\(name)\"") }
        #expect(removed?.contains("\"bindings\":[\"veth\"]") == true)
    }

    @Test func monitorAllPrintsUnmatchedToo() throws {
        let directory = try TemporaryDirectory()
        try directory.write("veth.toml", Self.binding)
        let monitor = try RunningProcess([HotplugdBinary.path, "monitor", "--config", directory.path, "--all"])
        defer { monitor.stop() }
        #expect(monitor.waitForLine(stderr: true) { $0.contains("listening on the udev source") } != nil)
        let veth = try VethPair(prefix: "tmo")
        defer { veth.delete() }
        let line = monitor.waitForLine { $0.contains(" add ") && $0.contains("(\(veth.name))") }
        #expect(line?.hasSuffix("-> -") == true, "unmatched: \(line ?? "nothing")")
    }
}
