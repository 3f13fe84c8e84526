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
            var probe = key.withUnsafeBytes { Self.hash($0) } & (capacity - 1)
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
        let wanted = UnsafeRawBufferPointer(key)
        var probe = Self.hash(wanted) & mask
        return bytes.withUnsafeBytes { stored in
            while true {
                let slot = slots[table.slots.lowerBound + probe]
                if slot == 0 { return nil }
                let candidate = keys[slot - 1].bytes
                if candidate.count == wanted.count,
                   Self.equal(UnsafeRawBufferPointer(rebasing: stored[candidate]), wanted) { return slot - 1 }
                probe = (probe + 1) & mask
            }
        }
    }

    /// Whether two byte strings of the same length are equal, compared a
    /// word at a time: the first and last words overlap for short strings.
    private static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        let count = a.count
        if count < 8 { return Self.shortWords(a) == Self.shortWords(b) }
        var offset = 0
        while offset < count - 8 {
            if a.loadUnaligned(fromByteOffset: offset, as: UInt64.self) != b.loadUnaligned(fromByteOffset: offset, as: UInt64.self) {
                return false
            }
            offset += 8
        }
        return a.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    }

    /// All of a string shorter than eight bytes, in one integer: its first
    /// and last four bytes, or first two and last two, or its bytes.
    private static func shortWords(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let count = bytes.count
        if count >= 4 {
            return UInt64(bytes.loadUnaligned(as: UInt32.self)) << 32
                | UInt64(bytes.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
        }
        if count >= 2 {
            return UInt64(bytes.loadUnaligned(as: UInt16.self)) << 16
                | UInt64(bytes.loadUnaligned(fromByteOffset: count - 2, as: UInt16.self))
        }
        return count == 1 ? UInt64(bytes[0]) : 0
    }

    /// A multiply-xorshift mix of the bytes, a word at a time.
    private static func hash(_ key: UnsafeRawBufferPointer) -> Int {
        let count = key.count
        var hash = 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)
        if count < 8 {
            hash = (hash ^ shortWords(key)) &* 0xFF51_AFD7_ED55_8CCD
        } else {
            var offset = 0
            while offset < count - 8 {
                hash = (hash ^ key.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
                hash ^= hash >> 32
                offset += 8
            }
            hash = (hash ^ key.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
        }
        hash ^= hash >> 29
        return Int(truncatingIfNeeded: hash &* 0xC4CE_B9FE_1A85_EC53 ^ hash >> 32)
    }
}
