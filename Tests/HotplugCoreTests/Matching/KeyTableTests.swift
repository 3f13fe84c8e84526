import Testing
@testable import HotplugCore

@Suite struct KeyTableTests {
    private func find(_ table: KeyTable, _ key: String) -> [Int]? {
        var key = key, found: [Int] = []
        key.withUTF8 { bytes in table.forEachIndex(filedUnder: bytes) { found.append($0) } }
        return found.isEmpty ? nil : found
    }

    @Test func findsEveryKeyAndNothingElse() {
        let keys = ["", "a", "ab", "abc", "abd", "b", "067b", "0403", "é", "e\u{301}", "\u{10FFFF}"]
        var map: [[UInt8]: [Int]] = [:]
        for (index, key) in keys.enumerated() { map[Array(key.utf8)] = [index] }
        let table = KeyTable(map)
        for (index, key) in keys.enumerated() { #expect(find(table, key) == [index], "\(key)") }
        for missing in ["abcd", "aa", "c", "067", "0403 ", "E"] { #expect(find(table, missing) == nil, "\(missing)") }
    }

    @Test func canonicallyEqualSpellingsStayApart() {
        // A String-keyed dictionary would merge these; globs compare scalars.
        let table = KeyTable([Array("é".utf8): [0], Array("e\u{301}".utf8): [1]])
        #expect(find(table, "é") == [0])
        #expect(find(table, "e\u{301}") == [1])
    }

    @Test func emptyTableFindsNothing() {
        let table = KeyTable([:])
        #expect(table.isEmpty)
        #expect(find(table, "") == nil)
        #expect(find(table, "x") == nil)
    }
}
