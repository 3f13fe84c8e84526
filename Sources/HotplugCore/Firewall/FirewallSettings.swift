/// A binding's `[firewall]`: which traffic arriving on its interface
/// hotplugd lets through. hotplugd can only restrict (an accept in its
/// nftables table does not override another table's drop), so "allowed"
/// means "not dropped by hotplugd", and `acceptMark` is how a host ruleset
/// that drops by default can accept the same packets.
public struct FirewallSettings: Sendable, Equatable {
    public enum Policy: String, Sendable, Equatable, CaseIterable {
        /// hotplugd adds no rule for this direction.
        case open
        /// Only what the allow lists name passes hotplugd.
        case restrict
    }

    /// Traffic arriving on the interface for this host.
    public var input: Policy
    /// Traffic arriving on the interface that is routed elsewhere.
    public var forward: Policy
    public var allowTCP: [PortRange]
    public var allowUDP: [PortRange]
    /// ICMP and ICMPv6 echo requests; neighbour discovery always passes.
    public var allowICMP: Bool
    /// With `forward = restrict`, the only out-interfaces allowed: names,
    /// optionally ending in `*` (the one wildcard nftables understands).
    public var forwardTo: [String]
    /// Set (OR-ed in, mask = the same bits) on every packet hotplugd lets
    /// through on a restricted direction.
    public var acceptMark: UInt32?

    public init(input: Policy = .open, forward: Policy = .open, allowTCP: [PortRange] = [], allowUDP: [PortRange] = [],
                allowICMP: Bool = false, forwardTo: [String] = [], acceptMark: UInt32? = nil) {
        self.input = input
        self.forward = forward
        self.allowTCP = PortRange.merged(allowTCP)
        self.allowUDP = PortRange.merged(allowUDP)
        self.allowICMP = allowICMP
        self.forwardTo = forwardTo
        self.acceptMark = acceptMark
    }

    /// Whether this binding adds any rule at all.
    public var restrictsAnything: Bool { input == .restrict || forward == .restrict }
}

/// A TCP or UDP port, or an inclusive range of them, 1...65535.
public struct PortRange: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let lower: UInt16
    public let upper: UInt16

    /// Nil for port 0 or a reversed range.
    public init?(_ lower: Int64, _ upper: Int64) {
        guard (1...65535).contains(lower), (1...65535).contains(upper), lower <= upper else { return nil }
        self.lower = UInt16(lower)
        self.upper = UInt16(upper)
    }

    public static func < (lhs: PortRange, rhs: PortRange) -> Bool { (lhs.lower, lhs.upper) < (rhs.lower, rhs.upper) }

    /// nftables' notation: "8080" or "27015-27030".
    public var description: String { lower == upper ? "\(lower)" : "\(lower)-\(upper)" }

    /// Sorted, with overlapping and adjacent ranges joined: nftables refuses
    /// an anonymous set whose intervals overlap ("conflicting intervals").
    public static func merged(_ ranges: [PortRange]) -> [PortRange] {
        var result: [PortRange] = []
        for range in ranges.sorted() {
            if let last = result.last, Int(range.lower) <= Int(last.upper) + 1 {
                if range.upper > last.upper { result[result.count - 1] = PortRange(Int64(last.lower), Int64(range.upper)) ?? last }
            } else {
                result.append(range)
            }
        }
        return result
    }
}
