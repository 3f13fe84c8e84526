/// One value of a `[match]` key: a glob, possibly negated with a leading `!`.
public struct Pattern: Sendable, Hashable, CustomStringConvertible {
    public let glob: Glob
    public let isNegated: Bool

    public init(_ source: String) {
        if source.hasPrefix("!") {
            isNegated = true
            glob = Glob(String(source.dropFirst()))
        } else {
            isNegated = false
            glob = Glob(source)
        }
    }

    public var description: String { (isNegated ? "!" : "") + glob.text }
}

/// A `[match]` value: a string or a list of strings. A value passes when it
/// matches any of the positive patterns (or there are none) and none of the
/// negated ones, so `["eth*", "!eth9"]` reads as "eth anything but eth9".
///
/// A class, immutable after init, for the reason Glob is one: the matcher
/// reads a dozen optional lists per candidate binding, and as a struct of
/// three arrays each read was a copy with three retains and releases.
public final class PatternList: Sendable, Hashable, CustomStringConvertible {
    public let patterns: [Pattern]

    /// Split once here: matching runs per event and binding.
    public let positives: [Glob]
    public let negatives: [Glob]
    /// Whether a pattern ends in whitespace: then sysfs values are matched
    /// as they are, not trimmed (udev's ATTRS rule).
    let endsInWhitespace: Bool
    /// The one pattern, when the list is a single positive glob (most are).
    private let single: Glob?

    public init(_ sources: [String]) {
        patterns = sources.map(Pattern.init)
        positives = patterns.filter { !$0.isNegated }.map(\.glob)
        negatives = patterns.filter(\.isNegated).map(\.glob)
        endsInWhitespace = patterns.contains { SysattrValue.endsInWhitespace($0.glob.text) }
        single = positives.count == 1 && negatives.isEmpty ? positives[0] : nil
    }

    public static func == (lhs: PatternList, rhs: PatternList) -> Bool { lhs.patterns == rhs.patterns }
    public func hash(into hasher: inout Hasher) { hasher.combine(patterns) }

    public func matches(_ value: String) -> Bool {
        if let single { return single.matches(value) }
        // Index loops: calling through `contains(where:)` copied every Glob
        // (four references) per pattern checked.
        if !positives.isEmpty {
            var passed = false
            for index in positives.indices where positives[index].matches(value) {
                passed = true
                break
            }
            if !passed { return false }
        }
        for index in negatives.indices where negatives[index].matches(value) { return false }
        return true
    }

    public var description: String {
        patterns.count == 1 ? "\"\(patterns[0])\"" : "[" + patterns.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
    }
}
