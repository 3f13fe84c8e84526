/// Decides whether one string can pass several globs at once: one glob of
/// each `anyOf` group (an empty group asks nothing) and none of `noneOf`.
/// Exact, negations and character classes included, so `[link]` ownership
/// refuses only bindings that really can claim the same device.
///
/// Each glob is a small automaton (state i: the first i tokens matched); the
/// search walks all of them in step, one character at a time, keeping the set
/// of states each can be in. Characters are tried by class: only the
/// boundaries of the literals and ranges the globs name can change an
/// answer, so one character per interval between boundaries stands for all.
enum GlobWitness {
    /// Visited combinations before giving up: globs in bindings are short, but
    /// a file could hold many negations, and `check` must stay fast.
    static let stateBudget = 20_000

    /// true: a string passes; false: none does; nil: undecided within the budget.
    static func exists(anyOf groups: [[Glob]], noneOf excluded: [Glob]) -> Bool? {
        let groups = groups.filter { !$0.isEmpty }
        let globs = groups.flatMap { $0 } + excluded
        let automata = globs.map(Automaton.init)
        var groupRanges: [Range<Int>] = []
        var start = 0
        for group in groups {
            groupRanges.append(start..<(start + group.count))
            start += group.count
        }
        let excludedRange = start..<globs.count

        func accepts(_ state: [StateSet]) -> Bool {
            for range in groupRanges where !range.contains(where: { automata[$0].accepts(state[$0]) }) { return false }
            return !excludedRange.contains { automata[$0].accepts(state[$0]) }
        }
        /// A group whose globs are all stuck can never be satisfied again.
        func dead(_ state: [StateSet]) -> Bool {
            groupRanges.contains { range in range.allSatisfy { state[$0].isEmpty } }
        }

        let alphabet = representatives(globs)
        let initial = automata.map(\.initial)
        if accepts(initial) { return true }
        if dead(initial) { return false }
        var seen: Set<[StateSet]> = [initial]
        var queue = [initial]
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            for scalar in alphabet {
                var next: [StateSet] = []
                next.reserveCapacity(automata.count)
                for index in automata.indices { next.append(automata[index].step(state[index], scalar)) }
                if dead(next) || seen.contains(next) { continue }
                if accepts(next) { return true }
                if seen.count >= stateBudget { return nil }
                seen.insert(next)
                queue.append(next)
            }
        }
        return false
    }

    /// One scalar per interval between the boundaries the globs name: each
    /// literal `c` and range `a-z` starts an interval and ends one after it.
    static func representatives(_ globs: [Glob]) -> [Unicode.Scalar] {
        var bounds: Set<UInt32> = [0x01, 0x20]
        func add(_ low: Unicode.Scalar, _ high: Unicode.Scalar) {
            bounds.insert(low.value)
            bounds.insert(high.value &+ 1)
        }
        for glob in globs {
            for token in glob.tokens {
                switch token {
                case .literal(let scalar): add(scalar, scalar)
                case .set(_, let items):
                    for item in items {
                        switch item {
                        case .single(let scalar): add(scalar, scalar)
                        case .range(let low, let high): if low.value <= high.value { add(low, high) }
                        }
                    }
                case .anyOne, .anySequence: break
                }
            }
        }
        let sorted = bounds.sorted()
        var result: [Unicode.Scalar] = []
        for (index, bound) in sorted.enumerated() {
            let end = index + 1 < sorted.count ? sorted[index + 1] : 0x110000
            // Surrogates are no scalars: the interval's first valid one stands in.
            let candidate = (0xD800...0xDFFF).contains(bound) ? 0xE000 : bound
            if candidate < end, let scalar = Unicode.Scalar(candidate) { result.append(scalar) }
        }
        return result
    }

    /// Positions reached in one glob, as a sorted list (globs are short).
    typealias StateSet = [Int]

    struct Automaton {
        let tokens: [Glob.Token]

        init(_ glob: Glob) { tokens = glob.tokens }

        var initial: StateSet { closure([0]) }

        func accepts(_ set: StateSet) -> Bool { set.last == tokens.count }

        /// A `*` may match nothing: being before it is being after it too.
        func closure(_ positions: [Int]) -> StateSet {
            var result = Set<Int>()
            for var position in positions {
                result.insert(position)
                while position < tokens.count, tokens[position] == .anySequence {
                    position += 1
                    result.insert(position)
                }
            }
            return result.sorted()
        }

        func step(_ set: StateSet, _ scalar: Unicode.Scalar) -> StateSet {
            var reached: [Int] = []
            for position in set where position < tokens.count {
                switch tokens[position] {
                case .anySequence: reached.append(position)
                case .anyOne: reached.append(position + 1)
                case .literal(let wanted): if wanted == scalar { reached.append(position + 1) }
                case .set(let negated, let items):
                    if Self.contains(items, scalar) != negated { reached.append(position + 1) }
                }
            }
            return reached.isEmpty ? [] : closure(reached)
        }

        static func contains(_ items: [Glob.SetItem], _ scalar: Unicode.Scalar) -> Bool {
            items.contains { item in
                switch item {
                case .single(let s): s == scalar
                case .range(let low, let high): low.value <= scalar.value && scalar.value <= high.value
                }
            }
        }
    }
}

extension PatternList {
    /// Whether some one value passes this list and `other`: a positive of
    /// each (where they have any) and no negation of either. nil when the
    /// question is too large to settle within `GlobWitness.stateBudget`.
    func sharesAValue(with other: PatternList) -> Bool? {
        // Literal positives answer most lists without the search.
        for glob in positives + other.positives {
            if let value = glob.literalValue, matches(value), other.matches(value) { return true }
        }
        let allLiteral = (positives + other.positives).allSatisfy(\.isLiteral)
        if allLiteral, !positives.isEmpty || !other.positives.isEmpty { return false }
        return GlobWitness.exists(anyOf: [positives, other.positives], noneOf: negatives + other.negatives)
    }
}
