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
///     chain allow-in-BINDING { that binding's allow rules (accept) }
///     chain in-BINDING { established/related, neighbour discovery,
///                        jump allow-in-BINDING, then drop }
///     chain if7-in  { only for a device several bindings restrict:
///                     established/related, neighbour discovery,
///                     jump allow-in-BINDING for each binding, then drop }
///
/// A binding's chains are the same for every device it is set up on, so
/// they are written once, at start and when a reload changes the binding;
/// a device's own transaction is then its map element (`7 : jump
/// in-BINDING`), and a device chain only where several bindings meet.
/// A device's transaction stays as small as the table grows: nft fetches
/// and the kernel validates what a transaction touches and reaches, and
/// per-device rule chains made both grow with every device plugged.
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
        public var map: String { "\(rawValue)-devices" }
        var suffix: String { self == .input ? "in" : "fwd" }
    }

    /// The chain of a device that several bindings restrict in a
    /// direction. Made of the ifindex alone: stable across renames and
    /// daemon restarts.
    public static func chain(ifindex: Int32, _ direction: Direction) -> String {
        "if\(ifindex)-\(direction.suffix)"
    }

    /// A binding's whole policy for a direction (what passes, then the
    /// drop): the map points a device that only this binding restricts here.
    public static func bindingChain(_ binding: String, _ direction: Direction) -> String {
        "\(direction.suffix)-\(identifier(binding))"
    }

    /// A binding's allow rules for a direction, jumped to from its policy
    /// chain and from the chain of every device it shares with others.
    public static func allowChain(_ binding: String, _ direction: Direction) -> String {
        "allow-\(direction.suffix)-\(identifier(binding))"
    }

    /// A binding name as part of a chain name. Binding names are letters,
    /// digits, '_', '.' and '-' already, which nft takes as an identifier;
    /// any other name (or a very long one) is cut to those and made unique
    /// by a hash, as this goes to the rule parser. The prefixes (`in-`,
    /// `allow-in-`, `if7-`) keep the kinds of chain apart whatever the name.
    static func identifier(_ binding: String) -> String {
        // The usual name, checked byte by byte (every plug names its
        // binding's chain; Unicode properties cost more than the rest).
        if binding.utf8.count <= 64, !binding.isEmpty, binding.utf8.allSatisfy(isIdentifierByte) { return binding }
        let safe = String(String.UnicodeScalarView(binding.unicodeScalars.filter(isIdentifierScalar).prefix(64)))
        guard safe != binding || safe.isEmpty else { return safe }
        var hash: UInt32 = 2_166_136_261  // FNV-1a: stable across runs, unlike Hasher
        for byte in binding.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return "\(safe)-\(String(hash, radix: 16))"
    }

    /// What a chain name may hold: what a binding name may (see `ASCIIByte`).
    static func isIdentifierByte(_ byte: UInt8) -> Bool { ASCIIByte.isNameCharacter(byte) }
    static func isIdentifierScalar(_ scalar: Unicode.Scalar) -> Bool { ASCIIByte.isNameCharacter(scalar) }

    /// An ifindex as nftables must read it. A bare number is first looked
    /// up as an interface *name* (`ip link add 7 ...` would capture index
    /// 7's rules); with a leading space no name can match (the kernel
    /// refuses whitespace in names), so nft falls back to the number.
    static func indexLiteral(_ ifindex: Int32) -> String { "\" \(ifindex)\"" }

    /// The table, its two maps and its base chains. The base chains' one
    /// rule is rewritten, so a half-deleted table is whole again.
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

    /// The batch that turns the table `old` into `new`, empty when they
    /// hold the same rules. Only what differs is written: a chain whose
    /// rules are the same keeps them (and their handles), so a reload of
    /// one binding leaves the others' rules alone, and a device plugged is
    /// its map element. The order keeps every step valid within the one
    /// transaction: chains are written before anything jumps to them, and
    /// the chains no longer used go last, once nothing jumps to them.
    public static func change(from old: FirewallTable, to new: FirewallTable) -> FirewallBatch {
        // What may differ: everything when a binding changed; otherwise
        // only the devices whose bindings changed (a plug, an unplug), so
        // a device's transaction costs the same however many are plugged.
        let scope: Set<Int32>? = old.bindings != new.bindings ? nil
            : Set(old.devices.keys).union(new.devices.keys).filter { old.devices[$0] != new.devices[$0] }
        let before = old.chains(scope)
        let after = new.chains(scope)
        let rulesBefore = Dictionary(before.map { ($0.name, $0.rules) }, uniquingKeysWith: { first, _ in first })
        let namesAfter = Set(after.map(\.name))
        var lines: [String] = []
        for (name, rules) in after where rulesBefore[name] != rules {
            lines.append(rulesBefore[name] == nil ? "add chain \(table) \(name)" : "flush chain \(table) \(name)")
            lines += rules.map { "add rule \(table) \(name) \($0)" }
        }
        let chainsChanged = !lines.isEmpty
        var elements: [FirewallElementChange] = []
        for direction in Direction.allCases {
            let was = old.elements(direction, scope)
            let now = new.elements(direction, scope)
            // A changed target is a delete and an add: the kernel refuses
            // to change the verdict of an element in place.
            for ifindex in was.keys.sorted() where now[ifindex] != was[ifindex] {
                elements.append(FirewallElementChange(direction: direction, ifindex: ifindex, target: nil))
            }
            for ifindex in now.keys.sorted() where was[ifindex] != now[ifindex] {
                elements.append(FirewallElementChange(direction: direction, ifindex: ifindex, target: now[ifindex]))
            }
        }
        lines += elements.map(\.command)
        // Emptied first, so no rule of one jumps to another when it goes.
        let gone = before.map(\.name).filter { !namesAfter.contains($0) }
        lines += gone.map { "flush chain \(table) \($0)" }
        lines += gone.map { "delete chain \(table) \($0)" }
        return FirewallBatch(lines, elements: chainsChanged || !gone.isEmpty ? nil : elements)
    }

    /// `change(from:to:)` as nft text.
    public static func changeBatch(from old: FirewallTable, to new: FirewallTable) -> String {
        change(from: old, to: new).text
    }

    /// The whole table dropped and rebuilt as `state`, in one transaction:
    /// nothing is ever missing in between (at start, and to repair a table
    /// changed by someone else).
    public static func rebuildBatch(_ state: FirewallTable) -> String {
        let lines = ["add table \(table)", "delete table \(table)"] + skeleton() + change(from: .empty, to: state).lines
        return lines.joined(separator: "\n") + "\n"
    }

    /// The table and everything in it gone (shutdown); fine when absent.
    public static func deleteTableBatch() -> String {
        "add table \(table)\ndelete table \(table)\n"
    }

    /// The policy of one direction: what always passes, then `jumps` (an
    /// accept there is final, so a packet passes if any binding allows
    /// it), then the drop.
    static func policyRules(_ direction: Direction, mark: UInt32?, jumps: [String]) -> [String] {
        var rules = ["ct state established,related \(verdict(mark: mark))"]
        if direction == .input {
            // Without these, IPv6 stops working on the link (no
            // neighbours, no router); they never leave the link.
            rules.append("icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } \(verdict(mark: mark))")
        }
        return rules + jumps.map { "jump \($0)" } + ["drop"]
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

/// One transaction: its nft text, and, when all it does is add or delete
/// map elements, those changes, which the shell may send to the kernel as
/// they are instead of through nft's parser (`FirewallOperations`).
public struct FirewallBatch: Sendable, Equatable {
    public let lines: [String]
    /// Nil when the batch changes more than map elements.
    public let elements: [FirewallElementChange]?

    public init(_ lines: [String], elements: [FirewallElementChange]? = nil) {
        self.lines = lines
        self.elements = elements
    }

    /// A batch of nft text.
    public init(text: String) {
        self.init(text.split(separator: "\n").map(String.init))
    }

    public var isEmpty: Bool { lines.isEmpty }
    public var text: String { lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n" }
}

/// A device's element in a direction's map: added (or replaced, after a
/// delete) to jump to `target`, or deleted when `target` is nil.
public struct FirewallElementChange: Sendable, Equatable {
    public var direction: FirewallRuleset.Direction
    public var ifindex: Int32
    public var target: String?

    public init(direction: FirewallRuleset.Direction, ifindex: Int32, target: String?) {
        self.direction = direction
        self.ifindex = ifindex
        self.target = target
    }

    /// The same change as an nft command.
    public var command: String {
        let table = FirewallRuleset.table
        let key = FirewallRuleset.indexLiteral(ifindex)
        guard let target else { return "delete element \(table) \(direction.map) { \(key) }" }
        return "add element \(table) \(direction.map) { \(key) : jump \(target) }"
    }
}

/// What the table holds, as a value: the bindings whose chains it has, and
/// which bindings each device is set up with. The batch between two of
/// them is `FirewallRuleset.changeBatch`.
public struct FirewallTable: Sendable, Equatable {
    /// Every binding with chains in the table, by name. A binding that
    /// restricts nothing has none, and its devices no element.
    public var bindings: [String: FirewallSettings]
    /// The names of the bindings set up on each device, by ifindex.
    public var devices: [Int32: Set<String>]

    public init(bindings: [String: FirewallSettings] = [:], devices: [Int32: Set<String>] = [:]) {
        self.bindings = bindings
        self.devices = devices
    }

    public static let empty = FirewallTable()

    /// The device's bindings that restrict `direction`, sorted by name, so
    /// the same bindings always give the same text.
    func restricting(_ ifindex: Int32, _ direction: FirewallRuleset.Direction) -> [String] {
        (devices[ifindex] ?? []).filter { bindings[$0]?.policy(direction) == .restrict }.sorted()
    }

    /// Every chain but the base chains, with its rules, in the order they
    /// are created: a binding's allow chain before its policy chain, and
    /// both before the device chains that jump to them. With `scope`, only
    /// the chains of those devices.
    func chains(_ scope: Set<Int32>? = nil) -> [(name: String, rules: [String])] {
        typealias R = FirewallRuleset
        var chains: [(name: String, rules: [String])] = []
        for name in scope == nil ? bindings.keys.sorted() : [] {
            let settings = bindings[name]!
            for direction in R.Direction.allCases where settings.policy(direction) == .restrict {
                let allow = R.allowChain(name, direction)
                chains.append((allow, R.allowRules(settings, direction).map {
                    "\($0) \(R.verdict(mark: settings.acceptMark)) comment \(R.comment(name))"
                }))
                chains.append((R.bindingChain(name, direction), R.policyRules(direction, mark: settings.acceptMark, jumps: [allow])))
            }
        }
        for ifindex in (scope.map { $0.filter { devices[$0] != nil } } ?? Set(devices.keys)).sorted() {
            for direction in R.Direction.allCases {
                let names = restricting(ifindex, direction)
                guard names.count > 1 else { continue }
                // What passes for every binding gets every binding's mark.
                let marks = names.compactMap { bindings[$0]?.acceptMark }.reduce(0, |)
                chains.append((R.chain(ifindex: ifindex, direction),
                               R.policyRules(direction, mark: marks == 0 ? nil : marks, jumps: names.map { R.allowChain($0, direction) })))
            }
        }
        return chains
    }

    /// The map's elements for a direction: each restricted device (of
    /// `scope`, if given) and the chain it jumps to.
    func elements(_ direction: FirewallRuleset.Direction, _ scope: Set<Int32>? = nil) -> [Int32: String] {
        var elements: [Int32: String] = [:]
        for ifindex in scope.map({ $0.filter { devices[$0] != nil } }) ?? Array(devices.keys) {
            let names = restricting(ifindex, direction)
            switch names.count {
            case 0: continue
            case 1: elements[ifindex] = FirewallRuleset.bindingChain(names[0], direction)
            default: elements[ifindex] = FirewallRuleset.chain(ifindex: ifindex, direction)
            }
        }
        return elements
    }
}

extension FirewallSettings {
    func policy(_ direction: FirewallRuleset.Direction) -> Policy {
        direction == .input ? input : forward
    }
}
