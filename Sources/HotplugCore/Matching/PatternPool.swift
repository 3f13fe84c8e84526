/// Pattern lists reduced to what matching a device value needs, held as
/// integers into one pool: a literal pattern becomes a comparison of UTF-8
/// bytes, "prefix*" (ASCII prefix) a comparison of the value's first bytes,
/// and only the other globs keep their `Glob`. Per event and binding this
/// replaces a call into a `PatternList` and a `Glob` per pattern, each
/// retained and released around the call, with byte loops that the compiler
/// can see through.
///
/// Byte equality of UTF-8 is the glob's scalar-by-scalar equality, so the
/// reduced forms answer exactly as `Glob.matches` does (tests compare them).
struct PatternPool: Sendable {
    /// One pattern of a list, by where its bytes (or its glob) are in the pool.
    struct Pattern: Sendable {
        enum Form: UInt8, Sendable { case literal, prefix, glob }
        let form: Form
        /// Bytes for `literal` and `prefix`; for `glob`, `start` is its index in `globs`.
        let start: Int, end: Int
    }

    /// A `PatternList`, compiled: its positive and negated patterns.
    struct List: Sendable {
        let positives: Range<Int>
        let negatives: Range<Int>
        /// Whether some pattern is kept as a `Glob`.
        let needsGlobs: Bool
    }

    private var patterns: [Pattern] = []
    private var bytes: [UInt8] = []
    private var globs: [Glob] = []

    mutating func add(_ list: PatternList) -> List {
        let positives = add(list.positives), negatives = add(list.negatives)
        let needsGlobs = patterns[positives.lowerBound..<negatives.upperBound].contains { $0.form == .glob }
        return List(positives: positives, negatives: negatives, needsGlobs: needsGlobs)
    }

    private mutating func add(_ globs: [Glob]) -> Range<Int> {
        let start = patterns.count
        for glob in globs { patterns.append(pattern(glob)) }
        return start..<patterns.count
    }

    private mutating func pattern(_ glob: Glob) -> Pattern {
        let start = bytes.count
        if let literal = glob.literalValue {
            bytes += literal.utf8
            return Pattern(form: .literal, start: start, end: bytes.count)
        }
        if let prefix = glob.asciiPrefixPattern {
            bytes += prefix.utf8
            return Pattern(form: .prefix, start: start, end: bytes.count)
        }
        globs.append(glob)
        return Pattern(form: .glob, start: globs.count - 1, end: globs.count)
    }

    /// `PatternList.matches`: some positive (if any) and no negation passes.
    ///
    /// Lists of byte comparisons only (nearly all) take a path that calls
    /// nothing that could release memory, so the compiler need not retain
    /// the value around it.
    func matches(_ list: List, _ value: String) -> Bool {
        if list.needsGlobs { return matchesWithGlobs(list, value) }
        return value.withUTF8Bytes { bytes in
            (list.positives.isEmpty || anyMatches(list.positives, bytes)) && !anyMatches(list.negatives, bytes)
        }
    }

    private func matchesWithGlobs(_ list: List, _ value: String) -> Bool {
        value.withUTF8Bytes { bytes in
            (list.positives.isEmpty || anyMatches(list.positives, bytes, value)) && !anyMatches(list.negatives, bytes, value)
        }
    }

    /// `Matcher.passesAny` for a multi-valued fact (tags): positives need
    /// one value to pass; a negation fails if any value passes it. Loops
    /// rather than `contains(where:)`, and no walk for absent negations:
    /// the walk over every tag for an empty list was half the cost.
    func passesAny(_ list: List, _ values: Set<String>) -> Bool {
        if !list.positives.isEmpty {
            var passed = false
            for value in values where anyMatches(list.positives, value, needsGlobs: list.needsGlobs) {
                passed = true
                break
            }
            if !passed { return false }
        }
        if list.negatives.isEmpty { return true }
        for value in values where anyMatches(list.negatives, value, needsGlobs: list.needsGlobs) { return false }
        return true
    }

    private func anyMatches(_ range: Range<Int>, _ value: String, needsGlobs: Bool) -> Bool {
        value.withUTF8Bytes { bytes in needsGlobs ? anyMatches(range, bytes, value) : anyMatches(range, bytes) }
    }

    private func anyMatches(_ range: Range<Int>, _ value: UnsafeBufferPointer<UInt8>, _ string: String) -> Bool {
        for index in range where matches(patterns[index], value, string) { return true }
        return false
    }

    /// `anyMatches` for patterns that are all byte comparisons.
    private func anyMatches(_ range: Range<Int>, _ value: UnsafeBufferPointer<UInt8>) -> Bool {
        for index in range where bytesMatch(patterns[index], value) { return true }
        return false
    }

    private func matches(_ pattern: Pattern, _ value: UnsafeBufferPointer<UInt8>, _ string: String) -> Bool {
        pattern.form == .glob ? globs[pattern.start].matches(string) : bytesMatch(pattern, value)
    }

    private func bytesMatch(_ pattern: Pattern, _ value: UnsafeBufferPointer<UInt8>) -> Bool {
        switch pattern.form {
        case .literal: value.count == pattern.end - pattern.start && startsWith(value, pattern)
        case .prefix: value.count >= pattern.end - pattern.start && startsWith(value, pattern)
        case .glob: false
        }
    }

    private func startsWith(_ value: UnsafeBufferPointer<UInt8>, _ pattern: Pattern) -> Bool {
        var offset = 0
        for index in pattern.start..<pattern.end {
            if bytes[index] != value[offset] { return false }
            offset += 1
        }
        return true
    }
}
