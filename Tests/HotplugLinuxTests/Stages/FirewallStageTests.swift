import HotplugCore
import Testing
@testable import HotplugLinux

/// The firewall stage against a fake nftables: one transaction per change,
/// only the device concerned rewritten, a failed transaction leaving the
/// recorded state as it was, a failed removal repaired by a rebuild.
struct FirewallStageTests {
    final class FakeNftables: FirewallOperations {
        var batches: [String] = []
        /// The next `failures` batches are refused.
        var failures = 0

        func apply(_ batch: String) throws(NftablesError) {
            batches.append(batch)
            if failures > 0 {
                failures -= 1
                throw NftablesError("Error: Could not process rule: No such file or directory")
            }
        }
    }

    static let settings = FirewallSettings(input: .restrict, allowTCP: [PortRange(8080, 8080)!])
    static func request(_ binding: String, ifindex: Int32? = 7) -> FirewallRequest {
        FirewallRequest(ifindex: ifindex, binding: binding, settings: settings)
    }
    static let a7 = InstanceID(binding: "a", device: DeviceID(1))
    static let b7 = InstanceID(binding: "b", device: DeviceID(1))
    static let a9 = InstanceID(binding: "a", device: DeviceID(2))

    @Test func eachChangeIsOneTransactionForItsDevice() throws {
        let kernel = FakeNftables()
        let stage = FirewallStage(kernel: kernel)
        #expect(!stage.hasTouchedTable)
        _ = try stage.setUp(Self.a7, Self.request("a")).get()
        _ = try stage.setUp(Self.b7, Self.request("b")).get()
        _ = try stage.setUp(Self.a9, Self.request("a", ifindex: 9)).get()
        #expect(kernel.batches.count == 3)
        #expect(kernel.batches[0].hasPrefix("add table inet hotplugd\n"), "the first creates the table")
        #expect(!kernel.batches[1].contains("add chain inet hotplugd input"),
                "later ones leave the base chains alone: re-sending them costs the kernel milliseconds")
        #expect(kernel.batches[1].contains("jump if7-in-a\n") && kernel.batches[1].contains("jump if7-in-b\n"),
                "the second binding on a device joins the first")
        #expect(!kernel.batches[1].contains("flush chain inet hotplugd if7-in-a"), "the first binding's rules are kept")
        #expect(!kernel.batches[2].contains("if7-"), "another device is not touched")
        #expect(stage.tearDown(Self.b7) == nil)
        #expect(kernel.batches[3].contains("jump if7-in-a\n") && !kernel.batches[3].contains("jump if7-in-b"))
        #expect(kernel.batches[3].contains("delete chain inet hotplugd if7-in-b\n"))
        #expect(stage.tearDown(Self.a7) == nil)
        #expect(kernel.batches[4].contains("delete chain inet hotplugd if7-in\n") && kernel.batches[4].contains("delete chain inet hotplugd if7-in-a\n"))
        #expect(!kernel.batches[4].contains("if7-fwd"), "forward was never restricted: nothing to remove")
        #expect(stage.tearDown(Self.a7) == nil && kernel.batches.count == 5, "nothing installed: nothing sent")
        try stage.removeTable()
        #expect(kernel.batches.last == FirewallRuleset.deleteTableBatch() && stage.isEmpty)
    }

    @Test func aRefusedTransactionFailsTheStageAndRecordsNothing() {
        let kernel = FakeNftables()
        let stage = FirewallStage(kernel: kernel)
        kernel.failures = 2  // the device's batch, then the rebuild tried instead
        guard case .failure(let failure) = stage.setUp(Self.a7, Self.request("a")) else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.stage == .firewall && failure.reason.contains("No such file"))
        #expect(stage.isEmpty)
        guard case .failure = stage.setUp(Self.a7, Self.request("a", ifindex: nil)) else {
            Issue.record("no ifindex must fail closed")
            return
        }
    }

    /// A device's batch fails when the table is gone (someone deleted it
    /// and the notification is still on its way): the table is rebuilt.
    @Test func aFailedDeviceBatchIsRepairedByARebuild() throws {
        let kernel = FakeNftables()
        let stage = FirewallStage(kernel: kernel)
        _ = try stage.setUp(Self.a7, Self.request("a")).get()
        kernel.failures = 1
        _ = try stage.setUp(Self.a9, Self.request("a", ifindex: 9)).get()
        #expect(kernel.batches.last?.hasPrefix("add table inet hotplugd\ndelete table inet hotplugd\n") == true)
        #expect(kernel.batches.last?.contains("if9-in") == true && kernel.batches.last?.contains("if7-in") == true)
        kernel.failures = 1
        #expect(stage.tearDown(Self.a7) == nil)
        #expect(kernel.batches.last?.hasPrefix("add table inet hotplugd\ndelete table inet hotplugd\n") == true)
        #expect(kernel.batches.last?.contains("if9-in") == true && kernel.batches.last?.contains("if7-in") == false)
    }

    @Test func aDaemonWithoutFirewallNeverTouchesTheTable() throws {
        let kernel = FakeNftables()
        try FirewallStage(kernel: kernel).removeTable()
        #expect(kernel.batches.isEmpty)
    }

    /// Two daemons repairing each other's table would never stop: repairs
    /// are limited to 5 in 10 s.
    @Test func repairsAreLimited() {
        let stage = FirewallStage(kernel: FakeNftables())
        let second: UInt64 = 1_000_000_000
        #expect((0..<5).allSatisfy { stage.mayRepair(now: 100 * second + UInt64($0) * second) })
        #expect(!stage.mayRepair(now: 106 * second))
        #expect(stage.mayRepair(now: 111 * second), "the oldest left the window")
    }
}
