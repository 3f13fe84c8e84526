import Testing
@testable import HotplugCore

/// `[link]` ownership: two bindings with `[link]` are refused only when some
/// device provably passes both matches (issue 16, item 2).
struct LinkOwnershipTests {
    static func conflicts(_ matches: [String]) -> [String] {
        let sources = matches.enumerated().map { index, match in
            ConfigSource(path: "b\(index).toml", text: "[match]\nsubsystem = \"net\"\n\(match)\n[link]\nmtu = 1400\n")
        }
        guard case .failure(let errors) = ConfigLoader.load(sources) else { return [] }
        return errors.diagnostics.map(\.description)
    }

    struct Pair: Sendable, CustomTestStringConvertible {
        var a: String
        var b: String
        var testDescription: String { a + " / " + b }
    }

    static let disjoint: [Pair] = [
        Pair(a: "kernel = [\"x*\", \"!xz*\"]", b: "kernel = \"xz*\""),
        Pair(a: "kernel = \"x[ab]*\"", b: "kernel = \"x[cd]*\""),
        Pair(a: "kernel = \"x[!0-9]\"", b: "kernel = \"x[0-9]\""),
        Pair(a: "kernel = \"*a\"", b: "kernel = \"*b\""),
        Pair(a: "kernel = \"??\"", b: "kernel = \"???\""),
        Pair(a: "kernel = \"!x*\"", b: "kernel = \"x?\""),
        Pair(a: "usb-serial = \"A1\"", b: "usb-serial = \"[!A]*\""),
        Pair(a: "property.ID_X = \"a*\"", b: "property.ID_X = [\"*\", \"!a*\"]"),
        Pair(a: "tag = \"t1\"", b: "tag = [\"t2\", \"!t1\"]"),
    ]

    @Test(arguments: disjoint)
    func disjointMatchesMayBothOwnALink(_ pair: Pair) {
        #expect(Self.conflicts([pair.a, pair.b]) == [])
    }

    static let overlapping: [Pair] = [
        Pair(a: "kernel = [\"x*\", \"!xz*\"]", b: "kernel = \"xy*\""),
        Pair(a: "kernel = \"x[ab]*\"", b: "kernel = \"x[b-d]*\""),
        Pair(a: "kernel = \"*a\"", b: "kernel = \"b*\""),
        Pair(a: "kernel = \"x?\"", b: "kernel = \"?y\""),
        Pair(a: "kernel = \"!x*\"", b: "kernel = \"!y*\""),
        Pair(a: "kernel = \"é*\"", b: "kernel = \"[à-ê]x\""),
        Pair(a: "tag = \"t1\"", b: "tag = \"t2\""),
        Pair(a: "driver = \"a\"", b: "driver = \"!a\""),
    ]

    @Test(arguments: overlapping)
    func overlappingMatchesAreRefused(_ pair: Pair) {
        let found = Self.conflicts([pair.a, pair.b])
        #expect(found.count == 1)
        #expect(found.first?.contains("binding 'b1' and binding 'b0' (b0.toml:4:1) can match the same device") == true, "\(found)")
    }

    /// The first earlier binding that overlaps is named, as before the index.
    @Test func namesTheFirstEarlierOwner() {
        let found = Self.conflicts(["kernel = \"q*\"", "kernel = \"a*\"", "kernel = \"ab*\"", "kernel = \"abc\""])
        #expect(found.count == 2)
        #expect(found.first?.contains("binding 'b2' and binding 'b1'") == true)
        #expect(found.last?.contains("binding 'b3' and binding 'b1'") == true)
    }

    /// Thousands of owners are checked without comparing every pair: a
    /// quadratic check took seconds for 2,000 in a release build.
    @Test func thousandsOfOwnersLoadQuickly() {
        let matches = (0..<3000).map { index in
            switch index % 3 {
            case 0: "kernel = \"cab\(index)x*\""
            case 1: "usb-serial = \"SER\(index)\""
            default: "kernel = [\"n\(index)[ab]*\", \"!n\(index)b9\"]"
            }
        }
        let clock = ContinuousClock()
        let elapsed = clock.measure { #expect(Self.conflicts(matches) == []) }
        // A bound against a quadratic check, not a benchmark:
        // under AddressSanitizer on a loaded 2-core machine a linear one took 27 s.
        #expect(elapsed < .seconds(90), "\(elapsed)")
    }

    @Test func witnessSearchHandlesClassesAndNegations() {
        #expect(GlobWitness.exists(anyOf: [[Glob("a*")], [Glob("*b")]], noneOf: [Glob("ab")]) == true)
        #expect(GlobWitness.exists(anyOf: [[Glob("a?")]], noneOf: [Glob("a[!x]"), Glob("ax")]) == false)
        #expect(GlobWitness.exists(anyOf: [[Glob("[a-c]")], [Glob("[c-e]")]], noneOf: []) == true)
        #expect(GlobWitness.exists(anyOf: [[Glob("[a-c]")], [Glob("[d-e]")]], noneOf: []) == false)
    }
}
