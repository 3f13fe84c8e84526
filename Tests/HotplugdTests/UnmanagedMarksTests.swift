import Foundation
import HotplugCore
import Testing
import TestSupport

/// The daemon's runtime udev rules (issue 23): a veth matching a binding
/// that sets its MTU gets NetworkManager's and networkd's marks from udevd,
/// keeps them across hotplugd's own rename, and the file goes at stop.
/// NetworkManager itself is not run here (it would take this machine's
/// links, and its own rules mark veths anyway): debian/tests/network-managers
/// tests it against the cable in a guest.
@Suite(.needsRoot, .needsUdevd, .serialized)
struct UnmanagedMarksTests {
    static let rulesFile = "/run/udev/rules.d/99-zz-hotplugd-unmanaged-nmtest.rules"

    static func properties(_ interface: String) -> [String] {
        let output = try? Shell.run(["/bin/udevadm", "info", "-q", "property", "/sys/class/net/\(interface)"])
        return (output?.stdout ?? "").split(separator: "\n").map(String.init)
    }

    static func marked(_ interface: String) -> Bool {
        let found = properties(interface)
        return found.contains("NM_UNMANAGED=1") && found.contains("ID_NET_MANAGED_BY=\(UnmanagedRules.managedBy)")
    }

    @Test func aMatchingVethIsMarkedBeforeAndAfterTheRenameAndTheFileGoesAtStop() throws {
        let fixture = try DaemonFixture(prefix: "nmu")
        defer { fixture.cleanUp(); deleteInterfaces(withPrefix: "nmr") }
        try fixture.bindings(["mark.toml": """
            [match]
            subsystem = "net"
            kernel = "nmu*"
            [link]
            name = "nmr{n}"
            mtu = 1400
            """])
        try fixture.start(["--unmanaged-rules", Self.rulesFile])
        let text = try String(contentsOfFile: Self.rulesFile, encoding: .utf8)
        #expect(text.contains(#"KERNEL=="nmr[0-9]*""#))
        let veth = try VethPair(prefix: "nmu")
        defer { veth.delete() }
        let renamed = fixture.waitForLog("nmr", timeout: 15)
        #expect(renamed != nil, "hotplugd did not rename \(veth.name)")
        let name = try #require(FileManager.default.contentsOfDirectory(atPath: "/sys/class/net").first { $0.hasPrefix("nmr") })
        _ = try? Shell.run(["/bin/udevadm", "settle", "--timeout=10"])
        #expect(Self.marked(name), "udev properties of \(name): \(Self.properties(name))")
        // The peer matches no binding: no mark.
        #expect(!Self.marked(veth.peer))
        #expect(fixture.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: Self.rulesFile))
    }

    @Test func aRenameOnlyBindingWritesNoFile() throws {
        let fixture = try DaemonFixture(prefix: "nmv")
        defer { fixture.cleanUp() }
        try fixture.bindings(["rename.toml": "[match]\nsubsystem = \"net\"\nkernel = \"nmv*\"\n[link]\nname = \"nmw{n}\"\n"])
        try fixture.start(["--unmanaged-rules", Self.rulesFile])
        #expect(!FileManager.default.fileExists(atPath: Self.rulesFile))
    }
}
