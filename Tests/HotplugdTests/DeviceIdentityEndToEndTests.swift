import Foundation
import Testing
import TestSupport

/// Issue 21 item 5 with the real udevd: two interfaces whose kernel names
/// differ only in a byte that is not UTF-8 (`…\xff`, `…\xfe`). udev renames
/// the first to its sanitised name (`…_`); the same rename fails for the
/// second (EEXIST), and udev's add for the second still says the first's
/// devpath, /devices/virtual/net/…_. hotplugd used to take the second for the
/// first: the first's child was restarted, its firewall element replaced, one
/// `status` row. Identity is (devpath, ifindex) as bytes: two devices, two
/// children, two elements, and removing either leaves the other as it was.
///
/// Bridges, not veths: a veth's remove takes its peer with it, and the test
/// removes one device at a time. The daemon runs in the machine's own network
/// namespace (udev's events come from there); its table goes at SIGTERM.
@Suite(.needsUdevd, .serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/nft"),
                                          "needs nftables (scripts/setup installs it)"))
struct DeviceIdentityEndToEndTests {
    /// The name's first bytes, unique per run; then one byte that is not UTF-8.
    static let stem = VethPair.uniqueName(prefix: "hid").prefix(7)

    /// `ip ARGS…` where `$1` is the stem followed by the octal byte `$2`:
    /// Swift's String cannot hold that name, the shell's printf makes it.
    static func ipWithByte(_ octal: String, _ arguments: String) throws -> Shell.Output {
        try Shell.run(["/bin/sh", "-c", "name=\"$(printf \"%s\\\\$2\" \"$1\")\"; ip \(arguments)",
                       "sh", String(stem), octal])
    }

    static func ifindex(_ octal: String) throws -> Int32? {
        let output = try Shell.run(["/bin/sh", "-c", "cat \"/sys/class/net/$(printf \"%s\\\\$2\" \"$1\")/ifindex\"",
                                    "sh", String(stem), octal])
        return Int32(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func ifindex(named name: String) -> Int32? {
        (try? String(contentsOfFile: "/sys/class/net/\(name)/ifindex", encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Every interface whose name starts with the stem, whatever its bytes.
    static func removeAll() {
        _ = try? Shell.run(["/bin/sh", "-c", "for d in /sys/class/net/\"$1\"*; do [ -e \"$d\" ] && ip link del \"${d##*/}\"; done; true",
                            "sh", String(stem)])
    }

    /// The binding's rows in `status --json`: (devpath, pid, state).
    static func rows(_ fixture: DaemonFixture) throws -> [(devpath: String, pid: Int?, state: String)] {
        let json = try fixture.client("status", "--json")
        guard json.status == 0,
              let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any],
              let bindings = document["bindings"] as? [[String: Any]],
              let binding = bindings.first(where: { $0["name"] as? String == "ident" }) else { return [] }
        return (binding["devices"] as? [[String: Any]] ?? []).map {
            ($0["devpath"] as? String ?? "", $0["pid"] as? Int, $0["state"] as? String ?? "")
        }
    }

    static func hasElement(_ ifindex: Int32) -> Bool {
        let result = try? Shell.run(["/usr/sbin/nft", "get", "element", "inet", "hotplugd", "input-devices", "{ \" \(ifindex)\" }"])
        return result?.status == 0 && result?.stdout.contains("jump in-ident") == true
    }

    @Test func aFailedUdevRenameIsASecondDeviceWithItsOwnChildAndElement() throws {
        Self.removeAll()
        let fixture = try DaemonFixture(prefix: String(Self.stem))
        defer {
            fixture.cleanUp()
            Self.removeAll()
        }
        try fixture.bindings(["ident.toml": """
            [match]
            subsystem = "net"
            kernel = "\(Self.stem)*"
            [exec]
            command = ["/bin/sleep", "600"]
            [firewall]
            input = "restrict"
            """])
        try fixture.start()

        // The first: udev renames …\xff to …_ and hotplugd runs its child.
        let first = try Self.ipWithByte("377", "link add name \"$name\" type bridge")
        try #require(first.status == 0, "ip link add: \(first.stderr)")
        let sanitised = Self.stem + "_"
        #expect(eventually(timeout: 15) { Self.ifindex(named: String(sanitised)) != nil }, "udev renames it to \(sanitised)")
        #expect(eventually(timeout: 15) { (try? Self.rows(fixture))?.first?.state == "running" })
        let firstIndex = try #require(Self.ifindex(named: String(sanitised)))
        let firstPID = try #require(try Self.rows(fixture).first?.pid)
        #expect(eventually(timeout: 10) { Self.hasElement(firstIndex) })

        // The second: udev's rename fails and its add says …_'s devpath.
        let second = try Self.ipWithByte("376", "link add name \"$name\" type bridge")
        try #require(second.status == 0, "ip link add: \(second.stderr)")
        let secondIndex = try #require(try Self.ifindex("376"), "the second keeps its kernel name")
        #expect(eventually(timeout: 15) { (try? Self.rows(fixture))?.filter { $0.state == "running" }.count == 2 },
                "two rows: \((try? Self.rows(fixture)).map { "\($0)" } ?? "none")")
        let rows = try Self.rows(fixture)
        #expect(Set(rows.map(\.devpath)) == ["/devices/virtual/net/\(sanitised)", "/devices/virtual/net/\(Self.stem)\\xfe"],
                "the second's devpath is its own, its byte escaped")
        #expect(rows.contains { $0.pid == firstPID }, "the first's child was not restarted")
        #expect(Set(rows.compactMap(\.pid)).count == 2)
        #expect(eventually(timeout: 10) { Self.hasElement(firstIndex) && Self.hasElement(secondIndex) }, "one element each")

        // Removing the second leaves the first as it was, and no element behind.
        let removed = try Self.ipWithByte("376", "link del \"$name\"")
        #expect(removed.status == 0, "ip link del: \(removed.stderr)")
        #expect(eventually(timeout: 15) { (try? Self.rows(fixture))?.count == 1 })
        #expect(try Self.rows(fixture).first?.pid == firstPID)
        #expect(processIsAlive(Int32(firstPID)))
        #expect(eventually(timeout: 10) { !Self.hasElement(secondIndex) })
        #expect(Self.hasElement(firstIndex), "the first keeps its rules")

        // And the first: nothing left.
        _ = try Shell.ip("link", "del", String(sanitised))
        #expect(eventually(timeout: 15) { (try? Self.rows(fixture))?.allSatisfy { $0.pid == nil } ?? false })
        #expect(eventually(timeout: 10) { !Self.hasElement(firstIndex) })
        #expect(!processIsAlive(Int32(firstPID)))
        #expect(fixture.stop() == 0)
    }
}
