/// The bindings' match rules, held by reference so that matching borrows
/// them instead of copying each MatchRules (a dozen references) per check.
final class MatchTable: Sendable {
    final class Entry: Sendable {
        let index: Int
        let name: String
        let rules: MatchRules
        let needs: FactNeeds
        /// The subsystem key is a set of literals: the index files the entry
        /// under each, so a candidate's subsystem needs no second check.
        let subsystemIsLiteral: Bool
        init(index: Int = 0, name: String, rules: MatchRules, needs: FactNeeds = .nothing) {
            self.index = index
            self.name = name
            self.rules = rules
            self.needs = needs
            subsystemIsLiteral = MatchIndex.literalSubsystems(rules.subsystem) != nil
        }
    }

    let entries: [Entry]
    private let index: MatchIndex
    /// The entries that name each subsystem literally, and those whose
    /// subsystem is a glob or a negation (consulted for every device).
    private let bySubsystem: [String: [Entry]]
    private let anySubsystem: [Entry]

    init(_ bindings: [Binding]) {
        entries = bindings.enumerated().map {
            Entry(index: $0.offset, name: $0.element.name, rules: $0.element.match, needs: FactNeeds($0.element))
        }
        index = MatchIndex(entries)
        var named: [String: [Entry]] = [:], unnamed: [Entry] = []
        for entry in entries {
            if let subsystems = MatchIndex.literalSubsystems(entry.rules.subsystem) {
                for subsystem in subsystems { named[subsystem, default: []].append(entry) }
            } else {
                unnamed.append(entry)
            }
        }
        bySubsystem = named
        anySubsystem = unnamed
    }

    /// The indexes of the entries whose rules match, in binding order.
    func matching(_ facts: DeviceFacts) -> [Int] {
        matching(facts) { $0.index }
    }

    /// What `transform` makes of each entry whose rules match, in binding
    /// order: one array, allocated only when something matched.
    func matching<Element>(_ facts: DeviceFacts, _ transform: (Entry) -> Element) -> [Element] {
        let bucket = index.bucket(for: facts.subsystem)
        guard bucket != nil || index.hasUnfiledSubsystems else { return [] }
        let view = Matcher.EventView(facts, parts: index.viewParts(for: bucket))
        // For an ASCII subsystem (the kernel's are), the bucket lookup's
        // String equality is the glob's exact comparison.
        let subsystemChecked = facts.subsystem.utf8.allSatisfy { $0 < 0x80 }
        var candidates = CandidateSet(capacity: index.capacity)
        index.collect(in: bucket, facts, view, into: &candidates)
        candidates.filter { candidate in
            let entry = entries[candidate]
            return Matcher.matches(entry, facts, view, subsystemChecked: subsystemChecked && entry.subsystemIsLiteral)
        }
        return candidates.map { transform(entries[$0]) }
    }

    /// Every entry in binding order, checked one by one: what the index
    /// must agree with (tests compare the two).
    func matchingByScan(_ facts: DeviceFacts) -> [Int] {
        let view = Matcher.EventView(facts)
        return entries.indices.filter { Matcher.matches(entries[$0], facts, view) }
    }
}

extension MatchTable {
    /// What to read for a device with this subsystem and kernel name, judged
    /// without its other facts: nil when no binding can match it, so the
    /// shell reads nothing; else what the bindings that might match use.
    func factNeeds(subsystem: String, sysname: String) -> FactNeeds? {
        var needs: FactNeeds?
        func consider(_ entry: Entry) {
            guard entry.rules.subsystem.matches(subsystem), entry.rules.kernel?.matches(sysname) ?? true else { return }
            if needs == nil { needs = entry.needs } else { needs?.formUnion(entry.needs) }
        }
        for entry in bySubsystem[subsystem] ?? [] { consider(entry) }
        for entry in anySubsystem { consider(entry) }
        return needs
    }
}
