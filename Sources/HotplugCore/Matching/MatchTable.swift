/// The bindings' match rules, held by reference so that matching borrows
/// them instead of copying each MatchRules (a dozen references) per check.
final class MatchTable: Sendable {
    final class Entry: Sendable {
        let index: Int
        let name: String
        let rules: MatchRules
        init(index: Int = 0, name: String, rules: MatchRules) { self.index = index; self.name = name; self.rules = rules }
    }

    let entries: [Entry]
    /// Where every binding names its subsystems literally (the usual case),
    /// the entries that can match each subsystem, in binding order.
    let bySubsystem: [String: [Entry]]?

    init(_ bindings: [Binding]) {
        entries = bindings.enumerated().map { Entry(index: $0.offset, name: $0.element.name, rules: $0.element.match) }
        var index: [String: [Entry]] = [:]
        for entry in entries {
            let subsystem = entry.rules.subsystem
            guard subsystem.negatives.isEmpty, !subsystem.positives.isEmpty, subsystem.positives.allSatisfy(\.isLiteral) else {
                bySubsystem = nil
                return
            }
            for glob in subsystem.positives where index[glob.text]?.last !== entry { index[glob.text, default: []].append(entry) }
        }
        bySubsystem = index
    }

    /// The entries whose rules match, in binding order.
    func matching(_ facts: DeviceFacts) -> [Entry] {
        let candidates = bySubsystem.map { $0[facts.subsystem] ?? [] } ?? entries
        guard !candidates.isEmpty else { return [] }
        let view = Matcher.EventView(facts)
        return candidates.filter { Matcher.matches($0, facts, view) }
    }
}

extension MatchTable {
    /// Whether any binding can match a device with this subsystem and kernel
    /// name, judged without its other facts: lets the shell skip reading
    /// sysfs and the parent chain for devices no binding can want.
    func mightMatch(subsystem: String, sysname: String) -> Bool {
        let candidates = bySubsystem.map { $0[subsystem] ?? [] } ?? entries
        return candidates.contains { entry in
            entry.rules.subsystem.matches(subsystem) && (entry.rules.kernel?.matches(sysname) ?? true)
        }
    }
}
