import HotplugCore
import Testing
@testable import HotplugLinux

/// The firewall stage against a fake nftables: one transaction per change,
/// only what differs written (a device is its map element), a failed
/// transaction leaving the recorded state as it was, a failed removal
/// repaired by a rebuild.
struct FirewallStageTests {
    final class FakeNftables: FirewallOperations {
        var batches: [String] = []
        /// The next `failures` batches are refused.
        var failures = 0

        /// Which of them were map elements only (sent without nft's parser).
        var elementsOnly: [Bool] = []

        func apply(_ batch: FirewallBatch) throws(NftablesError) {
            batches.append(batch.text)
            elementsOnly.append(batch.elements != nil)
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
    static let a7 = AttachmentID(binding: "a", device: DeviceID(1))
    static let b7 = AttachmentID(binding: "b", device: DeviceID(1))
    static let a9 = AttachmentID(binding: "a", device: DeviceID(2))

    /// A reload that removes the last [firewall] leaves no empty skeleton
    /// table once the last device's rules are gone (issue 21, item 16).
    @Test func ltTheTableGoesWithTheLastFirewallBinding() throws {
        let kernel = FakeNftables()
        let stage = FirewallStage(kernel: kernel)
        try stage.configure(["a": Self.settings])
        try stage.rebuild()
        _ = try stage.setUp(Self.a7, Self.request("a")).get()
        try stage.configure([:])
        #expect(!kernel.batches.contains(FirewallRuleset.deleteTableBatch()), "a device still has the binding's rules")
        #expect(stage.tearDown(Self.a7) == nil)
        #expect(kernel.batches.last == FirewallRuleset.deleteTableBatch())
        // With no device at all, the reload itself removes it.
        let idle = FakeNftables(), quiet = FirewallStage(kernel: idle)
        try quiet.configure(["a": Self.settings])
        try quiet.rebuild()
        try quiet.configure([:])
        #expect(idle.batches.last == FirewallRuleset.deleteTableBatch())
        // A [firewall] brought back later writes the table again.
        try quiet.configure(["a": Self.settings])
        _ = try quiet.setUp(Self.a7, Self.request("a")).get()
        #expect(idle.batches.last?.hasPrefix("add table inet hotplugd\ndelete table inet hotplugd\n") == true)
    }

    @Test func eachChangeIsOneTransactionOfWhatDiffers() throws {
        let kernel = FakeNftables()
        let stage = FirewallStage(kernel: kernel)
        #expect(!stage.hasTouchedTable)
        try stage.configure(["a": Self.settings, "b": Self.settings])
        #expect(kernel.batches.isEmpty, "the table is unknown until the start's rebuild")
        try stage.rebuild()
        #expect(kernel.batches[0].hasPrefix("add table inet hotplugd\ndelete table inet hotplugd\n"))
        #expect(kernel.batches[0].contains("add chain inet hotplugd in-a\n") && kernel.batches[0].contains("add chain inet hotplugd in-b\n"),
                "the configured bindings' chains are there before their first device")
        _ = try stage.setUp(Self.a7, Self.request("a")).get()
        #expect(kernel.batches[1] == "add element inet hotplugd input-devices { \" 7\" : jump in-a }\n",
                "a device is its map element: no base chain, no binding chain sent again")
        _ = try stage.setUp(Self.b7, Self.request("b")).get()
        #expect(kernel.batches[2].contains("jump allow-in-a\n") && kernel.batches[2].contains("jump allow-in-b\n")
                && kernel.batches[2].contains(": jump if7-in }"), "the second binding on a device joins the first in a device chain")
        #expect(!kernel.batches[2].contains("chain inet hotplugd allow-in-a\n"), "the bindings' rules are kept")
        _ = try stage.setUp(Self.a9, Self.request("a", ifindex: 9)).get()
        #expect(kernel.batches[3] == "add element inet hotplugd input-devices { \" 9\" : jump in-a }\n", "another device is not touched")
        #expect(kernel.elementsOnly == [false, true, false, true], "a device that is its map element is sent as one, not as nft text")
        #expect(stage.tearDown(Self.b7) == nil)
        #expect(kernel.batches[4].contains("add element inet hotplugd input-devices { \" 7\" : jump in-a }\n")
                && kernel.batches[4].contains("delete chain inet hotplugd if7-in\n") && !kernel.batches[4].contains("in-b"))
        #expect(stage.tearDown(Self.a7) == nil)
        #expect(kernel.batches[5] == "delete element inet hotplugd input-devices { \" 7\" }\n", "the binding's chains stay")
        #expect(stage.tearDown(Self.a7) == nil && kernel.batches.count == 6, "nothing installed: nothing sent")

        // A reload that drops binding a while device 9 still has it: its
        // chains stay until that device's teardown.
        try stage.configure(["b": Self.settings])
        #expect(kernel.batches.count == 6, "b is unused but configured, a is unconfigured but used: nothing changes")
        #expect(stage.tearDown(Self.a9) == nil)
        #expect(kernel.batches[6].contains("delete element") && kernel.batches[6].contains("delete chain inet hotplugd in-a\n")
                && !kernel.batches[6].contains("in-b"))
        try stage.removeTable()
        #expect(kernel.batches.last == FirewallRuleset.deleteTableBatch() && stage.isEmpty)
    }

    /// A reload that changes a binding rewrites its chains once for all its
    /// devices; the attachments' own replacements that follow send nothing.
    @Test func aChangedBindingIsRewrittenOnce() throws {
        let kernel = FakeNftables()
        let stage = FirewallStage(kernel: kernel)
        try stage.configure(["a": Self.settings])
        try stage.rebuild()
        _ = stage.setUpAll([(Self.a7, Self.request("a")), (Self.a9, Self.request("a", ifindex: 9))])
        #expect(kernel.batches.count == 2 && kernel.batches[1].contains("\" 7\"") && kernel.batches[1].contains("\" 9\""),
                "the devices of one loop turn share a transaction")
        var changed = Self.settings
        changed.allowUDP = [PortRange(53, 53)!]
        try stage.configure(["a": changed])
        #expect(kernel.batches[2] == "flush chain inet hotplugd allow-in-a\nadd rule inet hotplugd allow-in-a tcp dport 8080 accept comment \"binding a\"\nadd rule inet hotplugd allow-in-a udp dport 53 accept comment \"binding a\"\n")
        let replaced = stage.setUpAll([(Self.a7, FirewallRequest(ifindex: 7, binding: "a", settings: changed)),
                                       (Self.a9, FirewallRequest(ifindex: 9, binding: "a", settings: changed))])
        #expect(replaced.allSatisfy { (try? $0.get()) == .firewall } && kernel.batches.count == 3)

        // Refused: the previous rules stay, and so does what is recorded.
        var refused = changed
        refused.allowUDP = [PortRange(54, 54)!]
        kernel.failures = 2  // the change, then the rebuild tried instead
        #expect(throws: NftablesError.self) { try stage.configure(["a": refused]) }
        kernel.failures = 0
        _ = try stage.setUp(AttachmentID(binding: "a", device: DeviceID(3)), FirewallRequest(ifindex: 11, binding: "a", settings: changed)).get()
        #expect(kernel.batches.last?.contains("udp dport 53") == true && kernel.batches.last?.contains("udp dport 54") == false,
                "the next write (a rebuild: the table was unknown after the failure) has the previous settings")
    }

    @Test func aRefusedTransactionFailsTheStageAndRecordsNothing() {
        let kernel = FakeNftables()
        let stage = FirewallStage(kernel: kernel)
        kernel.failures = 1  // the table unknown: the rebuild
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
        #expect(kernel.batches.last?.hasPrefix("add table inet hotplugd\ndelete table inet hotplugd\n") == true,
                "the first write, with the table unknown, is a rebuild")
        kernel.failures = 1
        _ = try stage.setUp(Self.a9, Self.request("a", ifindex: 9)).get()
        #expect(kernel.batches.last?.hasPrefix("add table inet hotplugd\ndelete table inet hotplugd\n") == true)
        #expect(kernel.batches.last?.contains("{ \" 9\" : jump in-a }") == true && kernel.batches.last?.contains("{ \" 7\" : jump in-a }") == true)
        kernel.failures = 1
        #expect(stage.tearDown(Self.a7) == nil)
        #expect(kernel.batches.last?.hasPrefix("add table inet hotplugd\ndelete table inet hotplugd\n") == true)
        #expect(kernel.batches.last?.contains("\" 9\"") == true && kernel.batches.last?.contains("\" 7\"") == false)
    }

    @Test func aDaemonWithoutFirewallNeverTouchesTheTable() throws {
        let kernel = FakeNftables()
        try FirewallStage(kernel: kernel).removeTable()
        #expect(kernel.batches.isEmpty)
    }
}
