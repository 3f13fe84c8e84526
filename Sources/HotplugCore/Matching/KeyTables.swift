/// Byte strings mapped to lists of binding indexes, for all the tables of
/// an index at once: every table's keys, slots and indexes live in the same
/// few flat arrays of plain integers, and a table is a range of slots. Per
/// event a lookup then copies and reference-counts nothing, and costs one
/// cheap hash of the device string and, usually, one comparison, where a
/// String-keyed dictionary would run SipHash and compare canonically.
/// Byte equality is exactly the glob's scalar-by-scalar equality.
///
/// The hash needs no secret: the keys come from the configuration, and a
/// probe ends at the first empty slot, so no device string can make a
/// lookup longer than the longest run of keys the configuration made.
struct KeyTables: Sendable {
    /// One table: its slots, a power-of-two count of them, at least twice
    /// its keys (none for an empty table).
    struct Table: Sendable {
        fileprivate let slots: Range<Int>
    }

    private struct Key: Sendable {
        let bytes: Range<Int>
        let filed: Range<Int>
    }

    private var bytes: [UInt8] = []
    private var keys: [Key] = []
    /// Per slot, the position in `keys` plus one; 0 for an empty slot.
    private var slots: [Int] = []
    private var filed: [Int] = []

    /// Adds a table mapping each key to its indexes.
    mutating func add(_ map: [[UInt8]: [Int]]) -> Table {
        var capacity = map.isEmpty ? 0 : 2
        while capacity < 2 * map.count { capacity *= 2 }
        let table = Table(slots: slots.count..<slots.count + capacity)
        slots += repeatElement(0, count: capacity)
        // Sorted, so that a configuration always yields the same layout.
        for (key, indexes) in map.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            let bytesStart = bytes.count, filedStart = filed.count
            bytes += key
            filed += indexes
            keys.append(Key(bytes: bytesStart..<bytes.count, filed: filedStart..<filed.count))
            var probe = key.withUnsafeBufferPointer { Self.hash($0) } & (capacity - 1)
            while slots[table.slots.lowerBound + probe] != 0 { probe = (probe + 1) & (capacity - 1) }
            slots[table.slots.lowerBound + probe] = keys.count
        }
        return table
    }

    /// Calls `body` with each index filed under exactly these bytes.
    @inline(__always)
    func forEachIndex(in table: Table, filedUnder key: UnsafeBufferPointer<UInt8>, _ body: (Int) -> Void) {
        guard let found = position(in: table, of: key) else { return }
        for index in keys[found].filed { body(filed[index]) }
    }

    private func position(in table: Table, of key: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !table.slots.isEmpty else { return nil }
        let mask = table.slots.count - 1
        var probe = Self.hash(key) & mask
        while true {
            let slot = slots[table.slots.lowerBound + probe]
            if slot == 0 { return nil }
            if equal(keys[slot - 1].bytes, key) { return slot - 1 }
            probe = (probe + 1) & mask
        }
    }

    private func equal(_ stored: Range<Int>, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard stored.count == key.count else { return false }
        var offset = 0
        for index in stored {
            if bytes[index] != key[offset] { return false }
            offset += 1
        }
        return true
    }

    /// A multiply-xorshift mix over the bytes, eight at a time.
    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        var hash = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        var offset = 0
        while offset + 8 <= key.count {
            hash = (hash ^ UnsafeRawBufferPointer(key).loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
            offset += 8
        }
        var tail: UInt64 = 0
        while offset < key.count {
            tail = tail << 8 | UInt64(key[offset])
            offset += 1
        }
        hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return Int(truncatingIfNeeded: hash ^ hash >> 29)
    }
}
