import Testing
@testable import HotplugCore

/// The rule text sent to nftables: built from numbers and validated
/// tokens only, device by ifindex, established and neighbour discovery
/// first, drop last, the mark on everything let through.
struct FirewallRulesetTests {
    static let game = FirewallSettings(input: .restrict, allowTCP: [PortRange(8080, 8080)!, PortRange(27015, 27030)!],
                                       allowUDP: [PortRange(27015, 27015)!], allowICMP: true, acceptMark: 0x4000)

    @Test func oneDeviceInputRestricted() {
        let batch = FirewallRuleset.deviceBatch(FirewallDevice(ifindex: 7, bindings: [FirewallBinding(name: "gamelink", settings: Self.game)]))
        #expect(batch == """
            add table inet hotplugd
            add map inet hotplugd input-devices { type iface_index : verdict; }
            add chain inet hotplugd input { type filter hook input priority filter - 10; policy accept; }
            flush chain inet hotplugd input
            add rule inet hotplugd input iif vmap @input-devices
            add map inet hotplugd forward-devices { type iface_index : verdict; }
            add chain inet hotplugd forward { type filter hook forward priority filter - 10; policy accept; }
            flush chain inet hotplugd forward
            add rule inet hotplugd forward iif vmap @forward-devices
            add chain inet hotplugd if7-in-gamelink
            flush chain inet hotplugd if7-in-gamelink
            add rule inet hotplugd if7-in-gamelink tcp dport { 8080, 27015-27030 } meta mark set meta mark | 0x00004000 accept comment "binding gamelink"
            add rule inet hotplugd if7-in-gamelink udp dport 27015 meta mark set meta mark | 0x00004000 accept comment "binding gamelink"
            add rule inet hotplugd if7-in-gamelink icmp type echo-request meta mark set meta mark | 0x00004000 accept comment "binding gamelink"
            add rule inet hotplugd if7-in-gamelink icmpv6 type echo-request meta mark set meta mark | 0x00004000 accept comment "binding gamelink"
            add chain inet hotplugd if7-in
            flush chain inet hotplugd if7-in
            add rule inet hotplugd if7-in ct state established,related meta mark set meta mark | 0x00004000 accept
            add rule inet hotplugd if7-in icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } meta mark set meta mark | 0x00004000 accept
            add rule inet hotplugd if7-in jump if7-in-gamelink
            add rule inet hotplugd if7-in drop
            add element inet hotplugd input-devices { " 7" : jump if7-in }
            add chain inet hotplugd if7-fwd
            add element inet hotplugd forward-devices { " 7" : jump if7-fwd }
            delete element inet hotplugd forward-devices { " 7" }
            flush chain inet hotplugd if7-fwd
            delete chain inet hotplugd if7-fwd

            """)
    }

    @Test func forwardRestrictedToOutInterfaces() {
        let settings = FirewallSettings(forward: .restrict, allowTCP: [PortRange(80, 80)!], forwardTo: ["docker0", "br-*"])
        let batch = FirewallRuleset.deviceBatch(FirewallDevice(ifindex: 12, bindings: [FirewallBinding(name: "web", settings: settings)]))
        #expect(batch.contains("add rule inet hotplugd if12-fwd ct state established,related accept\n"))
        #expect(batch.contains("add rule inet hotplugd if12-fwd-web oifname \"docker0\" tcp dport 80 accept comment \"binding web\"\n"))
        #expect(batch.contains("add rule inet hotplugd if12-fwd-web oifname \"br-*\" tcp dport 80 accept comment \"binding web\"\n"))
        #expect(batch.contains("add rule inet hotplugd if12-fwd drop\nadd element inet hotplugd forward-devices { \" 12\" : jump if12-fwd }"))
        #expect(batch.contains("delete chain inet hotplugd if12-in\n"), "input is open: no input chain")
        #expect(!batch.contains("nd-neighbor"), "neighbour discovery is never forwarded")
    }

    /// Several bindings on one device: a packet passes if any binding that
    /// restricts the direction allows it (an accept in a jumped-to chain is
    /// final); their marks are joined for what passes for all of them.
    @Test func severalBindingsOnOneDeviceAreJoined() {
        let a = FirewallSettings(input: .restrict, allowTCP: [PortRange(22, 22)!], acceptMark: 0x1)
        let b = FirewallSettings(input: .restrict, allowUDP: [PortRange(53, 53)!], acceptMark: 0x4000)
        let open = FirewallSettings(input: .open)
        let batch = FirewallRuleset.deviceBatch(FirewallDevice(ifindex: 3, bindings: [
            FirewallBinding(name: "z-open", settings: open), FirewallBinding(name: "b", settings: b), FirewallBinding(name: "a", settings: a)]))
        func rules(_ chain: String) -> [String] {
            let prefix = "add rule inet hotplugd \(chain) "
            return batch.split(separator: "\n").filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
        }
        #expect(rules("if3-in") == [
            "ct state established,related meta mark set meta mark | 0x00004001 accept",
            "icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } meta mark set meta mark | 0x00004001 accept",
            "jump if3-in-a",
            "jump if3-in-b",
            "drop",
        ])
        #expect(rules("if3-in-a") == ["tcp dport 22 meta mark set meta mark | 0x00000001 accept comment \"binding a\""])
        #expect(rules("if3-in-b") == ["udp dport 53 meta mark set meta mark | 0x00004000 accept comment \"binding b\""])
        #expect(!batch.contains("z-open"), "a binding that leaves the direction open adds nothing to it")
    }

    @Test func restrictWithNothingAllowedDropsEverythingButEstablishedAndNeighbourDiscovery() {
        let batch = FirewallRuleset.deviceBatch(FirewallDevice(ifindex: 9, bindings: [FirewallBinding(name: "x", settings: FirewallSettings(input: .restrict))]))
        let rules = batch.split(separator: "\n").filter { $0.hasPrefix("add rule inet hotplugd if9-in ") }
        #expect(rules.count == 4 && rules.last == "add rule inet hotplugd if9-in drop")
        #expect(!batch.contains("add rule inet hotplugd if9-in-x "), "the binding's chain is empty")
    }

    @Test func removalAndRebuildNeverFailOnWhatIsMissing() {
        let game = FirewallDevice(ifindex: 7, bindings: [FirewallBinding(name: "g", settings: Self.game)])
        let removal = FirewallRuleset.deviceBatch(FirewallDevice(ifindex: 7, bindings: []), withTable: false, previously: game)
        #expect(removal == """
            add chain inet hotplugd if7-in
            add element inet hotplugd input-devices { " 7" : jump if7-in }
            delete element inet hotplugd input-devices { " 7" }
            flush chain inet hotplugd if7-in
            delete chain inet hotplugd if7-in
            flush chain inet hotplugd if7-in-g
            delete chain inet hotplugd if7-in-g

            """, "only what the device had; the device chain (and its jumps) before the binding's chain")
        let unknown = FirewallRuleset.deviceBatch(FirewallDevice(ifindex: 7, bindings: []), withTable: false)
        #expect(unknown.contains("delete chain inet hotplugd if7-in\n") && unknown.contains("delete chain inet hotplugd if7-fwd\n"),
                "not knowing what a predecessor left, every direction is removed")
        let rebuild = FirewallRuleset.rebuildBatch([game])
        #expect(rebuild.hasPrefix("add table inet hotplugd\ndelete table inet hotplugd\nadd table inet hotplugd\n"),
                "dropped and rebuilt in the same transaction: never a moment without the rules")
        #expect(rebuild.contains("add element inet hotplugd input-devices { \" 7\" : jump if7-in }"))
        #expect(!rebuild.contains("delete chain"), "nothing to remove in a fresh table")
        #expect(FirewallRuleset.deleteTableBatch() == "add table inet hotplugd\ndelete table inet hotplugd\n")
    }

    /// A reload that changes one binding rewrites its chain and the device
    /// chain's jumps; another binding's chain (its rules' handles) is kept.
    @Test func aChangedBindingLeavesTheOthersChainsAlone() {
        let a = FirewallBinding(name: "a", settings: FirewallSettings(input: .restrict, allowTCP: [PortRange(22, 22)!]))
        let b = FirewallBinding(name: "b", settings: FirewallSettings(input: .restrict, allowUDP: [PortRange(53, 53)!]))
        var b2 = b
        b2.settings.allowUDP = [PortRange(54, 54)!]
        let batch = FirewallRuleset.deviceBatch(FirewallDevice(ifindex: 3, bindings: [a, b2]), withTable: false,
                                                previously: FirewallDevice(ifindex: 3, bindings: [a, b]))
        #expect(!batch.contains("if3-in-a\n") || batch.contains("jump if3-in-a\n"))
        #expect(!batch.contains("flush chain inet hotplugd if3-in-a"))
        #expect(batch.contains("flush chain inet hotplugd if3-in-b\nadd rule inet hotplugd if3-in-b udp dport 54 accept"))
        #expect(!batch.contains("if3-fwd"), "forward was open and stays open: not touched")
        #expect(!batch.contains("add table"))
    }

    /// Only the binding name (validated already) and validated forward-to
    /// patterns are ever quoted; a hostile string is cut to safe characters.
    @Test func nothingUnsafeReachesTheRuleText() {
        #expect(FirewallRuleset.comment("we\"ird\\name*; drop") == "\"binding weirdnamedrop\"")
        #expect(FirewallRuleset.indexLiteral(42) == "\" 42\"")
        #expect(FirewallRuleset.chain(ifindex: 42, .forward) == "if42-fwd")
        #expect(FirewallRuleset.bindingChain("if42-in", "game.v2") == "if42-in-game.v2")
        #expect(FirewallRuleset.bindingChain("if42-in", "a b\"c").hasPrefix("if42-in-abc-"))
        #expect(FirewallRuleset.bindingChain("if42-in", "a b\"c") != FirewallRuleset.bindingChain("if42-in", "ab\"c"))
    }

    @Test func portRangesMerge() {
        let ranges = [PortRange(10, 20)!, PortRange(21, 25)!, PortRange(5, 5)!, PortRange(15, 16)!, PortRange(30, 30)!]
        #expect(PortRange.merged(ranges).map(\.description) == ["5", "10-25", "30"])
        #expect(PortRange(0, 1) == nil && PortRange(2, 1) == nil && PortRange(1, 65536) == nil)
    }
}
