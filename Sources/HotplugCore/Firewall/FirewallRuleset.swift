/// The nftables batches hotplugd sends: pure text, built only from numbers
/// and validated tokens, so a hostile interface name can never reach the
/// rule parser. Each batch is one atomic transaction.
///
/// Layout of the table (`inet hotplugd`, which nothing else touches):
///
///     chain input   { type filter hook input priority filter - 10; policy accept;
///                     iif vmap @input-devices }
///     chain forward { type filter hook forward priority filter - 10; policy accept;
///                     iif vmap @forward-devices }
///     chain if7-in  { established/related, neighbour discovery,
///                     jump if7-in-BINDING for each binding, then drop }
///     chain if7-in-BINDING { that binding's allow rules (accept) }
///
/// Devices are matched by ifindex, not name: the rules follow a rename
/// with no change (no window in which a renamed interface is unmatched),
/// and the name never appears in rule text. The base chains run before
/// iptables' filter table (priority 0), so their drops come first.
public enum FirewallRuleset {
    public static let family = "inet"
    public static let tableName = "hotplugd"
    static var table: String { "\(family) \(tableName)" }

    public enum Direction: String, Sendable, CaseIterable {
        case input, forward
        var hook: String { rawValue }
        var map: String { "\(rawValue)-devices" }
        var suffix: String { self == .input ? "in" : "fwd" }
    }

    /// The chain holding one device's rules for one direction. Made of the
    /// ifindex alone: stable across renames and daemon restarts.
    public static func chain(ifindex: Int32, _ direction: Direction) -> String {
        "if\(ifindex)-\(direction.suffix)"
    }

    /// An ifindex as nftables must read it. A bare number is first looked
    /// up as an interface *name* (`ip link add 7 ...` would capture index
    /// 7's rules); with a leading space no name can match (the kernel
    /// refuses whitespace in names), so nft falls back to the number.
    static func indexLiteral(_ ifindex: Int32) -> String { "\" \(ifindex)\"" }

    /// The objects every batch may rely on, created when missing and left
    /// as they are otherwise. The base chains' one rule is rewritten, so a
    /// half-deleted table (a chain flushed by someone) is whole again.
    static func skeleton() -> [String] {
        var lines = ["add table \(table)"]
        for direction in Direction.allCases {
            lines.append("add map \(table) \(direction.map) { type iface_index : verdict; }")
            lines.append("add chain \(table) \(direction.hook) { type filter hook \(direction.hook) priority filter - 10; policy accept; }")
            lines.append("flush chain \(table) \(direction.hook)")
            lines.append("add rule \(table) \(direction.hook) iif vmap @\(direction.map)")
        }
        return lines
    }

    /// One device's rules replaced by what its bindings say now: the
    /// directions nobody restricts lose their chain. One transaction.
    ///
    /// `withTable` also creates the table and base chains if missing. Only
    /// when they may be missing: re-sending a base chain's definition costs
    /// the kernel some 15 ms even when nothing changes, which is most of a
    /// device's start-up. Without it the batch fails on a missing table,
    /// and the caller rebuilds the table instead.
    ///
    /// `previously` is what the device had, when the caller knows: then
    /// only what changed is written (a binding whose settings are the same
    /// keeps its chain and rule handles) and only what it had is removed.
    /// Nil writes everything and removes every unrestricted direction, in
    /// case a predecessor left it. A device with no bindings left and
    /// `previously` given is the removal of all its rules.
    public static func deviceBatch(_ device: FirewallDevice, withTable: Bool = true,
                                   previously: FirewallDevice? = nil) -> String {
        ((withTable ? skeleton() : []) + deviceLines(device, previously: previously)).joined(separator: "\n") + "\n"
    }

    /// The whole table dropped and rebuilt from `devices`, in one
    /// transaction: nothing is ever missing in between (used at start and
    /// to repair a table changed by someone else).
    public static func rebuildBatch(_ devices: [FirewallDevice]) -> String {
        let empty = devices.map { FirewallDevice(ifindex: $0.ifindex, bindings: []) }
        let lines = ["add table \(table)", "delete table \(table)"] + skeleton()
            + zip(devices, empty).flatMap { deviceLines($0, previously: $1) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The table and everything in it gone (shutdown); fine when absent.
    public static func deleteTableBatch() -> String {
        "add table \(table)\ndelete table \(table)\n"
    }

    static func deviceLines(_ device: FirewallDevice, previously: FirewallDevice? = nil) -> [String] {
        Direction.allCases.flatMap { direction -> [String] in
            let restricting = device.bindings.filter { $0.settings.policy(direction) == .restrict }
            let before = previously?.bindings.filter { $0.settings.policy(direction) == .restrict }
            let chain = Self.chain(ifindex: device.ifindex, direction)
            // Bindings gone from the direction: their chains go once the
            // device chain no longer jumps to them (same transaction).
            let dropped = (before ?? []).filter { old in !restricting.contains { $0.name == old.name } }
            let dropLines = dropped.flatMap { binding -> [String] in
                let sub = bindingChain(chain, binding.name)
                return ["flush chain \(table) \(sub)", "delete chain \(table) \(sub)"]
            }
            guard !restricting.isEmpty else {
                // Unknown before (nil): a predecessor may have left it.
                guard before.map({ !$0.isEmpty }) ?? true else { return [] }
                return removal(ifindex: device.ifindex, direction) + dropLines
            }
            var lines: [String] = []
            // Each binding's allow rules live in a chain of its own, written
            // only when that binding's settings changed: a reload of one
            // binding leaves the others' rules (and their handles) alone.
            for binding in restricting where before?.first(where: { $0.name == binding.name }) != binding {
                let sub = bindingChain(chain, binding.name)
                lines += ["add chain \(table) \(sub)", "flush chain \(table) \(sub)"]
                for text in allowRules(binding.settings, direction) {
                    lines.append("add rule \(table) \(sub) \(text) \(verdict(mark: binding.settings.acceptMark)) comment \(comment(binding.name))")
                }
            }
            // The device chain: what always passes, then each binding (an
            // accept there is final, so a packet passes if any binding
            // allows it), then the drop.
            lines += ["add chain \(table) \(chain)", "flush chain \(table) \(chain)"]
            func rule(_ text: String) { lines.append("add rule \(table) \(chain) \(text)") }
            let everyMark = restricting.compactMap(\.settings.acceptMark).reduce(0, |)
            let anyMark: UInt32? = everyMark == 0 ? nil : everyMark
            rule("ct state established,related \(verdict(mark: anyMark))")
            if direction == .input {
                // Without these, IPv6 stops working on the link (no
                // neighbours, no router); they never leave the link.
                rule("icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } \(verdict(mark: anyMark))")
            }
            for binding in restricting { rule("jump \(bindingChain(chain, binding.name))") }
            rule("drop")
            lines.append("add element \(table) \(direction.map) { \(indexLiteral(device.ifindex)) : jump \(chain) }")
            return lines + dropLines
        }
    }

    /// One binding's chain under a device chain: `if7-in-gamelink`. Binding
    /// names are letters, digits, '_', '.' and '-' already, which nft takes
    /// as an identifier; any other name (or a very long one) is cut to
    /// those and made unique by a hash, as this goes to the rule parser.
    static func bindingChain(_ deviceChain: String, _ binding: String) -> String {
        let safe = String(String.UnicodeScalarView(binding.unicodeScalars.filter(isIdentifierScalar).prefix(64)))
        guard safe != binding || safe.isEmpty else { return "\(deviceChain)-\(safe)" }
        var hash: UInt32 = 2_166_136_261  // FNV-1a: stable across runs, unlike Hasher
        for byte in binding.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return "\(deviceChain)-\(safe)-\(String(hash, radix: 16))"
    }

    static func isIdentifierScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "_.-".unicodeScalars.contains(scalar))
    }

    /// The direction's chain and map entry gone, whether or not they exist:
    /// each is created first, so the deletes cannot fail on a missing one.
    static func removal(ifindex: Int32, _ direction: Direction) -> [String] {
        let chain = Self.chain(ifindex: ifindex, direction)
        return [
            "add chain \(table) \(chain)",
            "add element \(table) \(direction.map) { \(indexLiteral(ifindex)) : jump \(chain) }",
            "delete element \(table) \(direction.map) { \(indexLiteral(ifindex)) }",
            "flush chain \(table) \(chain)",
            "delete chain \(table) \(chain)",
        ]
    }

    /// The match parts of one binding's allow rules for a direction.
    static func allowRules(_ settings: FirewallSettings, _ direction: Direction) -> [String] {
        var matches: [String] = []
        if !settings.allowTCP.isEmpty { matches.append("tcp dport \(set(settings.allowTCP))") }
        if !settings.allowUDP.isEmpty { matches.append("udp dport \(set(settings.allowUDP))") }
        if settings.allowICMP {
            matches.append("icmp type echo-request")
            matches.append("icmpv6 type echo-request")
        }
        guard direction == .forward, !settings.forwardTo.isEmpty else { return matches }
        // Validated by the decoder: safe characters, `*` only at the end.
        return settings.forwardTo.flatMap { pattern in matches.map { "oifname \"\(pattern)\" \($0)" } }
    }

    static func set(_ ports: [PortRange]) -> String {
        ports.count == 1 ? ports[0].description : "{ " + ports.map(\.description).joined(separator: ", ") + " }"
    }

    static func verdict(mark: UInt32?) -> String {
        guard let mark else { return "accept" }
        return "meta mark set meta mark | \(hex(mark)) accept"
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// A binding name as a rule comment: binding names are letters, digits,
    /// '_', '.' and '-' already; anything else is dropped all the same, as
    /// this text goes to the rule parser.
    static func comment(_ binding: String) -> String {
        let safe = binding.unicodeScalars.filter(isIdentifierScalar)
        return "\"binding " + String(String.UnicodeScalarView(safe.prefix(100))) + "\""
    }
}

/// One interface and the `[firewall]` of every binding set up on it.
public struct FirewallDevice: Sendable, Equatable {
    public var ifindex: Int32
    /// Sorted by name, so the same bindings always give the same text.
    public var bindings: [FirewallBinding]

    public init(ifindex: Int32, bindings: [FirewallBinding]) {
        self.ifindex = ifindex
        self.bindings = bindings.sorted { $0.name < $1.name }
    }
}

public struct FirewallBinding: Sendable, Equatable {
    public var name: String
    public var settings: FirewallSettings

    public init(name: String, settings: FirewallSettings) {
        self.name = name
        self.settings = settings
    }
}

extension FirewallSettings {
    func policy(_ direction: FirewallRuleset.Direction) -> Policy {
        direction == .input ? input : forward
    }
}
