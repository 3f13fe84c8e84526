import Testing
@testable import HotplugCore

/// Identity is (devpath, ifindex) compared as bytes (issue 21 item 5, issue
/// 22 item 3): udev announces a device whose rename failed (EEXIST) at the
/// devpath of another; a late event carries the devpath from before a
/// rename; the kernel source names interfaces with bytes that are not UTF-8.
struct DeviceIdentityTests {
    typealias H = SupervisorHarness

    static func binding() -> Binding {
        var binding = Bindings.binding("cable", kernel: "*")
        binding.firewall = FirewallStageTests.restrict
        return binding
    }

    /// A veth as udev announces it: at `name`, with ifindex `index`.
    static func veth(_ name: String, _ index: Int32) -> DeviceFacts {
        FakeDevices.veth(name, ifindex: index)
    }

    /// A veth as the kernel source names it: the name's raw bytes, decoded as
    /// the Linux layer does.
    static func kernelVeth(_ name: [UInt8], _ index: Int32) -> DeviceFacts {
        let text = DeviceText.decode(name).text
        var facts = DeviceFacts(syspath: "/sys/devices/virtual/net/\(text)", devpath: "", subsystem: "net",
                                sysname: text, properties: ["IFINDEX": String(index)], ifindex: index)
        facts.setDevpath(bytes: Array("/devices/virtual/net/".utf8) + name)
        return facts
    }

    /// What udev sent on this machine for `ip link add name $'idq\xff' type
    /// veth peer name $'idq\xfe'`: both sanitised to idq_, the second rename
    /// failed with EEXIST, and its add still says /devices/virtual/net/idq_.
    static func failedRename(_ index: Int32) -> DeviceFacts {
        var facts = veth("idq_", index)
        facts.properties.merge(["ID_RENAMING": "1", "UDEV_WORKER_FAILED": "1", "UDEV_WORKER_ERRNO": "17",
                                "UDEV_WORKER_ERRNO_NAME": "EEXIST"]) { $1 }
        return facts
    }

    static func firewallIndexes(_ effects: [Effect]) -> [Int32?] {
        effects.compactMap { if case .setUp(_, .firewall(let request)) = $0 { request.ifindex } else { nil } }
    }

    static func firewallTeardowns(_ effects: [Effect]) -> [DeviceID] {
        effects.compactMap { if case .tearDown(let id, .firewall) = $0 { id.device } else { nil } }
    }

    /// Two interfaces the kernel keeps apart, udev announced at one devpath.
    @Test func aFailedRenamesDevpathIsTwoDevices() throws {
        var h = H([Self.binding()])
        let first = h.send(.deviceAdded(Self.veth("idq_", 6)))
        let second = h.send(.deviceAdded(Self.failedRename(5)))
        #expect(H.signals(second).isEmpty, "the first device's child is left alone")
        #expect(Self.firewallIndexes(first + second) == [6, 5], "one element each")
        let rows = h.supervisor.status()
        #expect(rows.count == 2)
        let pids = Set(rows.compactMap(\.pid))
        #expect(pids.count == 2)
        // Removing the second (the kernel's remove names it by its real name
        // and its ifindex) leaves the first as it is, and no element behind.
        let survivor = try #require(rows.first { $0.pid == h.pid("cable") })
        let removed = h.send(.deviceRemoved(devpath: "/devices/virtual/net/idq\\xff", ifindex: 5))
        let signalled = H.signals(removed).map(\.0)
        #expect(signalled.count == 1 && signalled.first != survivor.pid)
        let stopped = h.send(.childExited(pid: signalled[0], .signaled(15)))
        #expect(Self.firewallTeardowns(stopped).count == 1, "the second's element is removed")
        #expect(h.supervisor.status().count == 1 && h.supervisor.status().first?.pid == survivor.pid)
        // And removing the first, too: nothing left, no element either.
        let last = h.send(.deviceRemoved(devpath: "/devices/virtual/net/idq_", ifindex: 6))
        let done = h.send(.childExited(pid: H.signals(last)[0].0, .signaled(15)))
        #expect(Self.firewallTeardowns(done).count == 1)
        #expect(h.supervisor.status().isEmpty)
    }

    /// The daemon checks a net event's names against the kernel's for its
    /// ifindex: the failed rename's add then has its own devpath.
    @Test func theKernelsNameGivesAFailedRenameItsOwnDevpath() {
        let corrected = StaleMove.corrected(Self.failedRename(5), kernelName: Array("idq".utf8) + [0xff])
        #expect(corrected.devpath == "/devices/virtual/net/idq\\xff")
        #expect(corrected.identity.devpath == Array("/devices/virtual/net/idq".utf8) + [0xff])
        #expect(corrected.sysname == "idq\\xff" && corrected.interfaceName == "idq\\xff")
        var h = H([Self.binding()])
        h.send(.deviceAdded(Self.veth("idq_", 6)))
        h.send(.deviceAdded(corrected))
        #expect(h.supervisor.status().count == 2)
    }

    /// Debian 13: udev's add (or a change) still naming enu1i1 arrives after
    /// hotplugd renamed the interface to glk0: the same device, not bound again.
    @Test func aLateEventUnderThePreRenameDevpathIsNotBoundAgain() {
        var binding = Bindings.binding("cable", kernel: "*", link: LifecycleTests.glk)
        binding.exec?.instances = 2
        var h = H([binding])
        h.send(.deviceAdded(Self.veth("enu1i1", 42)))
        var moved = Self.veth("glk0", 42)
        moved.properties["DEVPATH_OLD"] = "/devices/virtual/net/enu1i1"
        h.send(.deviceMoved(moved))
        #expect(h.supervisor.status().count == 2, "two workers")
        let late = h.send(.deviceAdded(Self.veth("enu1i1", 42))) + h.send(.deviceChanged(Self.veth("enu1i1", 42)))
        #expect(H.spawns(late).isEmpty && H.signals(late).isEmpty, "\(late)")
        #expect(h.supervisor.status().count == 2, "still two workers, not four")
        #expect(h.supervisor.status().allSatisfy { $0.interface == "glk0" && $0.devpath == "/devices/virtual/net/glk0" },
                "\(h.supervisor.status().map { ($0.interface, $0.devpath) })")
        // Its remove, under the current name, stops both.
        #expect(H.signals(h.send(.deviceRemoved(devpath: "/devices/virtual/net/glk0", ifindex: 42))).count == 2)
    }

    /// The same devpath with another ifindex and no failed rename: the one
    /// tracked is gone (its remove was missed) and is stopped.
    @Test func aNewIfindexAtADevpathReplacesTheGoneDevice() {
        var h = H([Self.binding()])
        h.send(.deviceAdded(Self.veth("v0", 1)))
        let effects = h.send(.deviceAdded(Self.veth("v0", 2)))
        #expect(H.signals(effects).count == 1)
        #expect(Self.firewallIndexes(effects) == [2])
    }

    /// `--source kernel`: names that differ only in bytes that are not UTF-8
    /// are two devices, shown with those bytes escaped, never as U+FFFD.
    @Test func namesDifferingInBytesThatAreNotUTF8AreTwoDevices() {
        var h = H([Self.binding()])
        let added = h.send(.deviceAdded(Self.kernelVeth(Array("idq".utf8) + [0xff], 5)))
            + h.send(.deviceAdded(Self.kernelVeth(Array("idq".utf8) + [0xfe], 6)))
        #expect(H.signals(added).isEmpty)
        let rows = h.supervisor.status()
        #expect(Set(rows.map(\.sysname)) == ["idq\\xff", "idq\\xfe"])
        #expect(Set(rows.map(\.devpath)) == ["/devices/virtual/net/idq\\xff", "/devices/virtual/net/idq\\xfe"])
        let json = StatusDocument.json(
            daemon: .init(pid: 1, version: "t", config: "/etc/hotplugd", source: "kernel", since: "", sinceUnix: 0),
            configuration: h.supervisor.configuration, rows: rows, onlyBinding: nil,
            wallTime: { _ in ("", 0) }).serialized()
        #expect(json.contains(#"idq\\xff"#) && json.contains(#"idq\\xfe"#), "\(json)")
        #expect(!json.contains("\u{FFFD}"))
        let logs = h.log.compactMap { if case .log(let entry) = $0 { entry } else { nil } }
        #expect(logs.contains { $0.devpath == "/devices/virtual/net/idq\\xff" })
        #expect(!logs.contains { ($0.devpath ?? "").contains("\u{FFFD}") || ($0.interface ?? "").contains("\u{FFFD}") })
        // A remove by ifindex takes the one it names.
        let stopped = H.signals(h.send(.deviceRemoved(devpath: "/devices/virtual/net/idq\\xfe", ifindex: 6)))
        #expect(stopped.count == 1)
        h.send(.childExited(pid: stopped[0].0, .signaled(15)))
        #expect(h.supervisor.status().map(\.sysname) == ["idq\\xff"])
    }

    /// The escaped text of one byte 0xff and of the four characters `\xff`
    /// is the same; their identities are not.
    @Test func identityIsTheBytesNotTheEscapedText() {
        let byte = Self.kernelVeth(Array("a".utf8) + [0xff], 7)
        var text = Self.kernelVeth(Array("a\\xff".utf8), 7)
        text.ifindex = 8
        #expect(byte.devpath == text.devpath)
        #expect(byte.identity.devpath != text.identity.devpath)
        var h = H([Self.binding()])
        h.send(.deviceAdded(byte))
        h.send(.deviceAdded(text))
        #expect(h.supervisor.status().count == 2)
    }

    @Test func textEscapesOnlyTheBytesThatAreNotUTF8() {
        #expect(DeviceText.decode(Array("gamelink0".utf8)) == ("gamelink0", nil))
        #expect(DeviceText.escaped([0x61, 0xff, 0xc3, 0xa9, 0xc3, 0x62, 0xe2, 0x82]) == "a\\xffé\\xc3b\\xe2\\x82")
        #expect(DeviceText.escaped([0xed, 0xa0, 0x80]) == "\\xed\\xa0\\x80", "a surrogate is not UTF-8")
    }
}
