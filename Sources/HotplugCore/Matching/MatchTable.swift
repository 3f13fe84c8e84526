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
    private let index: MatchIndex
    /// The entries that name each subsystem literally, and those whose
    /// subsystem is a glob or a negation (consulted for every device).
    private let bySubsystem: [String: [Entry]]
    private let anySubsystem: [Entry]

    init(_ bindings: [Binding]) {
        entries = bindings.enumerated().map { Entry(index: $0.offset, name: $0.element.name, rules: $0.element.match) }
        index = MatchIndex(entries)
        var named: [String: [Entry]] = [:], unnamed: [Entry] = []
        for entry in entries {
            let subsystem = entry.rules.subsystem
            if !subsystem.positives.isEmpty, subsystem.positives.allSatisfy(\.isLiteral) {
                for glob in subsystem.positives where named[glob.text]?.last !== entry { named[glob.text, default: []].append(entry) }
            } else {
                unnamed.append(entry)
            }
        }
        bySubsystem = named
        anySubsystem = unnamed
    }

    /// The entries whose rules match, in binding order.
    func matching(_ facts: DeviceFacts) -> [Entry] {
        guard bySubsystem[facts.subsystem] != nil || !anySubsystem.isEmpty else { return [] }
        let view = Matcher.EventView(facts)
        return index.candidates(facts, view).filter { Matcher.matches($0, facts, view) }
    }

    /// Every entry in binding order, checked one by one: what the index
    /// must agree with (tests compare the two).
    func matchingByScan(_ facts: DeviceFacts) -> [Entry] {
        let view = Matcher.EventView(facts)
        return entries.filter { Matcher.matches($0, facts, view) }
    }
}

extension MatchTable {
    /// Whether any binding can match a device with this subsystem and kernel
    /// name, judged without its other facts: lets the shell skip reading
    /// sysfs and the parent chain for devices no binding can want.
    func mightMatch(subsystem: String, sysname: String) -> Bool {
        func could(_ entry: Entry) -> Bool {
            entry.rules.subsystem.matches(subsystem) && (entry.rules.kernel?.matches(sysname) ?? true)
        }
        return (bySubsystem[subsystem] ?? []).contains(where: could) || anySubsystem.contains(where: could)
    }
}
