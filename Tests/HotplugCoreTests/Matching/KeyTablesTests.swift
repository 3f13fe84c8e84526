import Testing
@testable import HotplugCore

@Suite struct KeyTablesTests {
    private func find(_ tables: KeyTables, _ table: KeyTables.Table, _ key: String) -> [Int]? {
        var key = key, found: [Int] = []
        key.withUTF8 { bytes in tables.forEachIndex(in: table, filedUnder: bytes) { found.append($0) } }
        return found.isEmpty ? nil : found
    }

    private func map(_ keys: [String]) -> [[UInt8]: [Int]] {
        var map: [[UInt8]: [Int]] = [:]
        for (index, key) in keys.enumerated() { map[Array(key.utf8), default: []].append(index) }
        return map
    }

    @Test func findsEveryKeyAndNothingElse() {
        // Keys shorter and longer than the hash's eight-byte words.
        let keys = ["", "a", "ab", "abc", "abd", "b", "067b", "0403", "é", "e\u{301}", "\u{10FFFF}",
                    "12345678", "123456789", "pci-0000:00:14.0-usb-0:2:1.0", "pci-0000:00:14.0-usb-0:3:1.0"]
        var tables = KeyTables()
        let table = tables.add(map(keys))
        for (index, key) in keys.enumerated() { #expect(find(tables, table, key) == [index], "\(key)") }
        for missing in ["abcd", "aa", "c", "067", "0403 ", "E", "1234567", "12345679", "pci-0000:00:14.0-usb-0:2:1.1"] {
            #expect(find(tables, table, missing) == nil, "\(missing)")
        }
    }

    @Test func tablesInOneArenaStayApart() {
        var tables = KeyTables()
        let first = tables.add(map(["net", "tty"])), empty = tables.add([:]), second = tables.add(map(["tty", "block"]))
        #expect(find(tables, first, "tty") == [1])
        #expect(find(tables, second, "tty") == [0])
        #expect(find(tables, first, "block") == nil)
        #expect(find(tables, empty, "") == nil && find(tables, empty, "net") == nil)
    }

    @Test func manyKeysAllFound() {
        // Enough keys that probes run past occupied slots.
        let keys = (0..<500).map { String($0 * 7919, radix: 16) }
        var tables = KeyTables()
        let table = tables.add(map(keys))
        for (index, key) in keys.enumerated() { #expect(find(tables, table, key) == [index]) }
        for missing in (0..<500).map({ String($0 * 7919 + 1, radix: 16) }) where !keys.contains(missing) {
            #expect(find(tables, table, missing) == nil)
        }
    }

    @Test func canonicallyEqualSpellingsStayApart() {
        // A String-keyed dictionary would merge these; globs compare scalars.
        var tables = KeyTables()
        let table = tables.add([Array("é".utf8): [0], Array("e\u{301}".utf8): [1]])
        #expect(find(tables, table, "é") == [0])
        #expect(find(tables, table, "e\u{301}") == [1])
    }
}
