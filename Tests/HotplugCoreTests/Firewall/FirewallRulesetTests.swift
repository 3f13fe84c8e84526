import Testing
@testable import HotplugCore

/// The rule text sent to nftables: built from numbers and validated
/// tokens only, device by ifindex, established and neighbour discovery
/// first, drop last, the mark on everything let through; a binding's
/// chains shared by its devices, so a device's own transaction is small.
struct FirewallRulesetTests {
    static let game = FirewallSettings(input: .restrict, allowTCP: [PortRange(8080, 8080)!, PortRange(27015, 27030)!],
                                       allowUDP: [PortRange(27015, 27015)!], allowICMP: true, acceptMark: 0x4000)

    static func lines(_ batch: String) -> [String] { batch.split(separator: "\n").map(String.init) }

    @Test func theTableWithABindingAndOneDevice() {
        let configured = FirewallTable(bindings: ["gamelink": Self.game])
        let plugged = FirewallTable(bindings: ["gamelink": Self.game], devices: [7: ["gamelink"]])
        #expect(FirewallRuleset.rebuildBatch(plugged) == """
            add table inet hotplugd
            delete table inet hotplugd
            add table inet hotplugd
            add map inet hotplugd input-devices { type iface_index : verdict; }
            add chain inet hotplugd input { type filter hook input priority filter - 10; policy accept; }
            flush chain inet hotplugd input
            add rule inet hotplugd input iif vmap @input-devices
            add map inet hotplugd forward-devices { type iface_index : verdict; }
            add chain inet hotplugd forward { type filter hook forward priority filter - 10; policy accept; }
            flush chain inet hotplugd forward
            add rule inet hotplugd forward iif vmap @forward-devices
            add chain inet hotplugd allow-in-gamelink
            add rule inet hotplugd allow-in-gamelink tcp dport { 8080, 27015-27030 } meta mark set meta mark | 0x00004000 accept comment "binding gamelink"
            add rule inet hotplugd allow-in-gamelink udp dport 27015 meta mark set meta mark | 0x00004000 accept comment "binding gamelink"
            add rule inet hotplugd allow-in-gamelink icmp type echo-request meta mark set meta mark | 0x00004000 accept comment "binding gamelink"
            add rule inet hotplugd allow-in-gamelink icmpv6 type echo-request meta mark set meta mark | 0x00004000 accept comment "binding gamelink"
            add chain inet hotplugd in-gamelink
            add rule inet hotplugd in-gamelink ct state established,related meta mark set meta mark | 0x00004000 accept
            add rule inet hotplugd in-gamelink icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } meta mark set meta mark | 0x00004000 accept
            add rule inet hotplugd in-gamelink jump allow-in-gamelink
            add rule inet hotplugd in-gamelink drop
            add element inet hotplugd input-devices { " 7" : jump in-gamelink }

            """, "dropped and rebuilt in the same transaction: never a moment without the rules")
        #expect(FirewallRuleset.changeBatch(from: configured, to: plugged) == """
            add element inet hotplugd input-devices { " 7" : jump in-gamelink }

            """, "a device plugged is its map element: the binding's chains are there already")
        #expect(FirewallRuleset.changeBatch(from: plugged, to: configured) == """
            delete element inet hotplugd input-devices { " 7" }

            """, "and unplugged, its element gone; the binding's chains stay for the next device")
        #expect(FirewallRuleset.changeBatch(from: plugged, to: plugged).isEmpty)
        #expect(FirewallRuleset.deleteTableBatch() == "add table inet hotplugd\ndelete table inet hotplugd\n")
    }

    /// A plug looks at the device plugged only: the same one element
    /// whatever else the table holds, device chains included.
    @Test func aPlugIsTheSameWhateverElseIsPlugged() {
        let bindings = ["a": FirewallSettings(input: .restrict), "b": FirewallSettings(input: .restrict, acceptMark: 0x2)]
        var devices: [Int32: Set<String>] = [5: ["a", "b"]]
        for ifindex in Int32(100)..<300 { devices[ifindex] = ["a"] }
        var plugged = devices
        plugged[7] = ["b"]
        #expect(FirewallRuleset.change(from: FirewallTable(bindings: bindings, devices: devices),
                                       to: FirewallTable(bindings: bindings, devices: plugged))
                == FirewallBatch(["add element inet hotplugd input-devices { \" 7\" : jump in-b }"],
                                 elements: [FirewallElementChange(direction: .input, ifindex: 7, target: "in-b")]))
    }

    @Test func forwardRestrictedToOutInterfaces() {
        let settings = FirewallSettings(forward: .restrict, allowTCP: [PortRange(80, 80)!], forwardTo: ["docker0", "br-*"])
        let batch = FirewallRuleset.changeBatch(from: .empty, to: FirewallTable(bindings: ["web": settings], devices: [12: ["web"]]))
        #expect(Self.lines(batch) == [
            "add chain inet hotplugd allow-fwd-web",
            "add rule inet hotplugd allow-fwd-web oifname \"docker0\" tcp dport 80 accept comment \"binding web\"",
            "add rule inet hotplugd allow-fwd-web oifname \"br-*\" tcp dport 80 accept comment \"binding web\"",
            "add chain inet hotplugd fwd-web",
            "add rule inet hotplugd fwd-web ct state established,related accept",
            "add rule inet hotplugd fwd-web jump allow-fwd-web",
            "add rule inet hotplugd fwd-web drop",
            "add element inet hotplugd forward-devices { \" 12\" : jump fwd-web }",
        ], "input is open: no input chain nor element; neighbour discovery is never forwarded")
    }

    /// Several bindings restricting one device: the device gets a chain of
    /// its own jumping to each binding's allow rules, so a packet passes if
    /// any of them allows it (an accept in a jumped-to chain is final);
    /// their marks are joined for what passes for all of them.
    @Test func severalBindingsOnOneDeviceAreJoined() {
        let a = FirewallSettings(input: .restrict, allowTCP: [PortRange(22, 22)!], acceptMark: 0x1)
        let b = FirewallSettings(input: .restrict, allowUDP: [PortRange(53, 53)!], acceptMark: 0x4000)
        let open = FirewallSettings(input: .open)
        let bindings = ["a": a, "b": b, "z-open": open]
        let configured = FirewallTable(bindings: bindings)
        let one = FirewallTable(bindings: bindings, devices: [3: ["b", "z-open"]])
        let both = FirewallTable(bindings: bindings, devices: [3: ["z-open", "b", "a"]])
        #expect(Self.lines(FirewallRuleset.changeBatch(from: configured, to: one)) == [
            "add element inet hotplugd input-devices { \" 3\" : jump in-b }",
        ], "one binding restricting it: its chain; one that leaves it open adds nothing")
        #expect(Self.lines(FirewallRuleset.changeBatch(from: one, to: both)) == [
            "add chain inet hotplugd if3-in",
            "add rule inet hotplugd if3-in ct state established,related meta mark set meta mark | 0x00004001 accept",
            "add rule inet hotplugd if3-in icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } meta mark set meta mark | 0x00004001 accept",
            "add rule inet hotplugd if3-in jump allow-in-a",
            "add rule inet hotplugd if3-in jump allow-in-b",
            "add rule inet hotplugd if3-in drop",
            "delete element inet hotplugd input-devices { \" 3\" }",
            "add element inet hotplugd input-devices { \" 3\" : jump if3-in }",
        ], "the element moves to the device chain in the same transaction")
        #expect(Self.lines(FirewallRuleset.changeBatch(from: both, to: one)) == [
            "delete element inet hotplugd input-devices { \" 3\" }",
            "add element inet hotplugd input-devices { \" 3\" : jump in-b }",
            "flush chain inet hotplugd if3-in",
            "delete chain inet hotplugd if3-in",
        ], "the device chain goes once nothing points at it")
        #expect(!FirewallRuleset.rebuildBatch(both).contains("z-open"))
    }

    @Test func restrictWithNothingAllowedDropsEverythingButEstablishedAndNeighbourDiscovery() {
        let batch = FirewallRuleset.changeBatch(from: .empty, to: FirewallTable(bindings: ["x": FirewallSettings(input: .restrict)]))
        #expect(Self.lines(batch) == [
            "add chain inet hotplugd allow-in-x",
            "add chain inet hotplugd in-x",
            "add rule inet hotplugd in-x ct state established,related accept",
            "add rule inet hotplugd in-x icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept",
            "add rule inet hotplugd in-x jump allow-in-x",
            "add rule inet hotplugd in-x drop",
        ], "the binding's allow chain is empty")
    }

    /// A reload that changes one binding rewrites its chains, and the
    /// chains of the devices it shares with another binding only where
    /// their text changes; another binding's chains (and their rules'
    /// handles) are kept, and no element moves.
    @Test func aChangedBindingLeavesTheOthersChainsAlone() {
        let a = FirewallSettings(input: .restrict, allowTCP: [PortRange(22, 22)!])
        let b = FirewallSettings(input: .restrict, allowUDP: [PortRange(53, 53)!])
        var b2 = b
        b2.allowUDP = [PortRange(54, 54)!]
        let devices: [Int32: Set<String>] = [3: ["a", "b"], 4: ["b"]]
        let batch = FirewallRuleset.changeBatch(from: FirewallTable(bindings: ["a": a, "b": b], devices: devices),
                                                to: FirewallTable(bindings: ["a": a, "b": b2], devices: devices))
        #expect(Self.lines(batch) == [
            "flush chain inet hotplugd allow-in-b",
            "add rule inet hotplugd allow-in-b udp dport 54 accept comment \"binding b\"",
        ])
        var marked = b2
        marked.acceptMark = 0x8
        let mark = FirewallRuleset.changeBatch(from: FirewallTable(bindings: ["a": a, "b": b2], devices: devices),
                                               to: FirewallTable(bindings: ["a": a, "b": marked], devices: devices))
        #expect(mark.contains("flush chain inet hotplugd allow-in-b\n") && mark.contains("flush chain inet hotplugd in-b\n")
                && mark.contains("flush chain inet hotplugd if3-in\n"), "a new mark is in every rule that lets traffic through")
        #expect(!mark.contains("chain inet hotplugd allow-in-a") && !mark.contains("chain inet hotplugd in-a") && !mark.contains("element"))

        // Input opened, forward restricted: the elements move to the other map.
        let forward = FirewallSettings(forward: .restrict)
        let turned = FirewallRuleset.changeBatch(from: FirewallTable(bindings: ["b": b], devices: [4: ["b"]]),
                                                 to: FirewallTable(bindings: ["b": forward], devices: [4: ["b"]]))
        #expect(Self.lines(turned) == [
            "add chain inet hotplugd allow-fwd-b",
            "add chain inet hotplugd fwd-b",
            "add rule inet hotplugd fwd-b ct state established,related accept",
            "add rule inet hotplugd fwd-b jump allow-fwd-b",
            "add rule inet hotplugd fwd-b drop",
            "delete element inet hotplugd input-devices { \" 4\" }",
            "add element inet hotplugd forward-devices { \" 4\" : jump fwd-b }",
            "flush chain inet hotplugd allow-in-b",
            "flush chain inet hotplugd in-b",
            "delete chain inet hotplugd allow-in-b",
            "delete chain inet hotplugd in-b",
        ])
    }

    /// Only the binding name (validated already) and validated forward-to
    /// patterns are ever quoted; a hostile string is cut to safe characters.
    @Test func nothingUnsafeReachesTheRuleText() {
        #expect(FirewallRuleset.comment("we\"ird\\name*; drop") == "\"binding weirdnamedrop\"")
        #expect(FirewallRuleset.indexLiteral(42) == "\" 42\"")
        #expect(FirewallRuleset.chain(ifindex: 42, .forward) == "if42-fwd")
        #expect(FirewallRuleset.bindingChain("game.v2", .input) == "in-game.v2")
        #expect(FirewallRuleset.allowChain("game.v2", .forward) == "allow-fwd-game.v2")
        #expect(FirewallRuleset.bindingChain("a b\"c", .input).hasPrefix("in-abc-"))
        #expect(FirewallRuleset.bindingChain("a b\"c", .input) != FirewallRuleset.bindingChain("ab\"c", .input))
        #expect(FirewallRuleset.identifier("café") != "café" && FirewallRuleset.identifier("café").hasPrefix("caf-"))
        let long = String(repeating: "x", count: 65)
        #expect(FirewallRuleset.identifier(long).hasPrefix(String(repeating: "x", count: 64) + "-"), "cut to 64 and made unique")
        for byte in UInt8(0)...UInt8(255) {
            #expect(FirewallRuleset.isIdentifierByte(byte) == (byte < 0x80 && FirewallRuleset.isIdentifierScalar(Unicode.Scalar(byte))))
        }
    }

    @Test func portRangesMerge() {
        let ranges = [PortRange(10, 20)!, PortRange(21, 25)!, PortRange(5, 5)!, PortRange(15, 16)!, PortRange(30, 30)!]
        #expect(PortRange.merged(ranges).map(\.description) == ["5", "10-25", "30"])
        #expect(PortRange(0, 1) == nil && PortRange(2, 1) == nil && PortRange(1, 65536) == nil)
    }
}
