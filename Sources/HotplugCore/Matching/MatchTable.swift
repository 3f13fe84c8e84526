/// The bindings' match rules, held by reference so that matching borrows
/// them instead of copying each MatchRules (a dozen references) per check.
final class MatchTable: Sendable {
    final class Entry: Sendable {
        let index: Int
        let name: String
        let rules: MatchRules
        let needs: FactNeeds
        /// `[name]`, made once: most devices that match match one binding,
        /// and handing out this array costs a retain, not an allocation.
        let nameAlone: [String]
        init(index: Int = 0, name: String, rules: MatchRules, needs: FactNeeds = .nothing) {
            self.index = index
            self.name = name
            nameAlone = [name]
            self.rules = rules
            self.needs = needs
        }
    }

    let entries: [Entry]
    private let index: MatchIndex
    private let program: MatchProgram
    /// The entries that name each subsystem literally, and those whose
    /// subsystem is a glob or a negation (consulted for every device).
    private let bySubsystem: [String: [Entry]]
    private let anySubsystem: [Entry]

    init(_ bindings: [Binding]) {
        entries = bindings.enumerated().map {
            Entry(index: $0.offset, name: $0.element.name, rules: $0.element.match, needs: FactNeeds($0.element))
        }
        index = MatchIndex(entries)
        var program = MatchProgram.Builder()
        for entry in entries {
            // A literal subsystem is the bucket the index found the entry in.
            program.append(entry.rules, settledList: MatchIndex.filing(entry.rules)?.settledList,
                           subsystemSettled: MatchIndex.literalSubsystems(entry.rules.subsystem) != nil)
        }
        self.program = MatchProgram(program)
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
        var candidates = CandidateSet(capacity: index.capacity)
        decide(facts, into: &candidates)
        return candidates.map { transform(entries[$0]) }
    }

    /// The names of the bindings whose rules match, in binding order; when
    /// one matches, its `nameAlone`, so that nothing is allocated.
    func matchingNames(_ facts: DeviceFacts) -> [String] {
        var candidates = CandidateSet(capacity: index.capacity)
        decide(facts, into: &candidates)
        guard let first = candidates.first(from: 0) else { return [] }
        if candidates.first(from: first + 1) == nil { return entries[first].nameAlone }
        return candidates.map { entries[$0].name }
    }

    /// Leaves in `candidates` exactly the entries whose rules match.
    private func decide(_ facts: borrowing DeviceFacts, into candidates: inout CandidateSet) {
        let bucket = index.bucket(for: facts.subsystem)
        guard bucket != nil || index.hasUnfiledSubsystems else { return }
        let view = Matcher.EventView(facts, parts: index.viewParts(for: bucket))
        index.collect(in: bucket, facts, view, into: &candidates)
        // A loop, not a closure: a closure would capture (copy) the facts and the view.
        var next = candidates.first(from: 0)
        while let candidate = next {
            if !program.passes(candidate, facts, view, skippingSettled: true) { candidates.remove(candidate) }
            next = candidates.first(from: candidate + 1)
        }
    }

    /// Every entry in binding order, checked one by one: what the index
    /// must agree with (tests compare the two).
    func matchingByScan(_ facts: DeviceFacts) -> [Int] {
        let view = Matcher.EventView(facts)
        return entries.indices.filter { program.passes($0, facts, view, skippingSettled: false) }
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
