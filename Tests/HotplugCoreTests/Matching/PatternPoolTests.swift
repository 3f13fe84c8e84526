import Testing
@testable import HotplugCore

/// The pool answers from bytes where it can (literals, "prefix*"); it must
/// answer as the lists and globs it was built from, whatever the pattern.
@Suite struct PatternPoolTests {
    /// Pieces that make literals, prefixes, escapes, sets and stars, with
    /// non-ASCII and canonically equivalent spellings ("é" and "e\u{301}").
    static let pieces = ["a", "b", "ab", "0", "-", ":", " ", "é", "e", "\u{301}", "e\u{301}", "ß", "😀",
                         "*", "?", "[a-c]", "[!a]", "\\*", "\\a", "\\é", "[", "]", "!"]
    static let values = ["", "a", "b", "ab", "aab", "abc", "ba", "a b", "0:1", "é", "e\u{301}", "éa", "e\u{301}a",
                         "ß", "😀", "a😀", "*", "a*", "?", "[a", "!a", "a ", "ab\n"]

    static func pattern(_ random: inout SeededGenerator) -> String {
        var text = ""
        for _ in 0..<(random.next() % 4) { text += random.pick(pieces) }
        // Many "prefix*" patterns, the form the pool compiles to a byte prefix.
        if random.chance(40) { text += "*" }
        return text
    }

    @Test(arguments: [UInt64(1), 2, 3, 4])
    func agreesWithPatternListsAndGlobs(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var pool = PatternPool(), matched = 0
        for _ in 0..<1000 {
            let sources = (0...(random.next() % 3)).map { _ in (random.chance(20) ? "!" : "") + Self.pattern(&random) }
            let list = PatternList(sources), compiled = pool.add(list)
            for value in Self.values + [sources[0], String(sources[0].dropLast())] {
                #expect(pool.matches(compiled, value) == list.matches(value), "\(sources) on \(value.debugDescription)")
                if list.matches(value) { matched += 1 }
            }
            let tags = Set((0..<(random.next() % 3)).map { _ in random.pick(Self.values) })
            #expect(pool.passesAny(compiled, tags) == Matcher.passesAny(list, tags), "\(sources) on tags \(tags)")
        }
        // Not vacuous: plenty of values pass.
        #expect(matched > 2000)
    }

    @Test func compilesLiteralsAndPrefixesToBytes() {
        var pool = PatternPool()
        let literal = pool.add(PatternList(["tty\\-x"])), prefix = pool.add(PatternList(["02:aa:*", "!02:aa:00:*"]))
        #expect(pool.matches(literal, "tty-x") && !pool.matches(literal, "tty\\-x") && !pool.matches(literal, "tty-xy"))
        #expect(pool.matches(prefix, "02:aa:01:00:00:00") && !pool.matches(prefix, "02:aa:00:00:00:00"))
        #expect(!pool.matches(prefix, "02:ab:01:00:00:00") && !pool.matches(prefix, "02:a"))
    }
}
