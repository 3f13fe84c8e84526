import Testing
@testable import HotplugCore

/// Debian 13: udev renames the cable to its predictable name (enu1i1)
/// before hotplugd renames it, and udev's move event for that arrives after
/// hotplugd's own rename. Delivered in that order on purpose here, each move
/// checked against the kernel's current name as the daemon does.
struct StaleMoveTests {
    typealias H = SupervisorHarness

    static func move(_ name: String, from old: String, kernelName: String) -> Supervisor.Event {
        var facts = FakeDevices.veth(name)
        facts.properties["DEVPATH_OLD"] = "/devices/virtual/net/\(old)"
        return .deviceMoved(StaleMove.corrected(facts, currentName: kernelName))
    }

    @Test func fiALateMoveOfUdevsRenameDoesNotSendTheNameBack() {
        var h = H([Bindings.binding("cable", kernel: "*", link: LifecycleTests.glk)])
        h.send(.deviceAdded(FakeDevices.veth("enu1i1")))
        #expect(h.supervisor.status().first?.interface == "glk0")
        // udev's move (usb0 -> enu1i1) arrives late, then ours (enu1i1 -> glk0).
        let late = h.send(Self.move("enu1i1", from: "usb0", kernelName: "glk0"))
        let ours = h.send(Self.move("glk0", from: "enu1i1", kernelName: "glk0"))
        let logs = (late + ours).compactMap { if case .log(let entry) = $0 { entry.message } else { nil } }
        #expect(!logs.contains { $0.contains("is now enu1i1") }, "\(logs)")
        #expect(h.supervisor.status().first?.interface == "glk0")
        // A restart's child gets the current name in its argv.
        let pid = h.pid("cable")!
        h.send(.childExited(pid: pid, .exited(1)))
        let spawned = H.spawns(h.advance(.seconds(1)))
        #expect(spawned.first?.argv.last == "glk0", "\(spawned.map(\.argv))")
    }

    @Test func fiAMoveTheKernelAgreesWithIsTakenAsIs() {
        var facts = FakeDevices.veth("glk0")
        facts.properties["DEVPATH_OLD"] = "/devices/virtual/net/v0"
        #expect(StaleMove.corrected(facts, currentName: "glk0") == facts)
        #expect(StaleMove.corrected(facts, currentName: nil) == facts, "a gone interface: its remove follows")
        let fixed = StaleMove.corrected(facts, currentName: "other1")
        #expect(fixed.devpath == "/devices/virtual/net/other1" && fixed.sysname == "other1"
                && fixed.properties["INTERFACE"] == "other1")
    }
}
