/// Byte strings mapped to lists of binding indexes, looked up by binary
/// search over the bytes. Per event this replaces hashing a device string
/// (SipHash, a few hundred instructions) with a handful of short byte
/// comparisons, and byte equality is exactly the glob's scalar-by-scalar
/// equality, with no canonical-equivalence surprises.
struct KeyTable: Sendable {
    /// All keys, sorted, end to end; key `i` is `bytes[bounds[i]..<bounds[i + 1]]`.
    private let bytes: [UInt8]
    private let bounds: [Int]
    /// The indexes filed under key `i` are `filed[filedBounds[i]..<filedBounds[i + 1]]`:
    /// one flat array, so a lookup hands out no array (and no reference count).
    private let filed: [Int]
    private let filedBounds: [Int]

    init(_ map: [[UInt8]: [Int]]) {
        var bytes: [UInt8] = [], bounds = [0], filed: [Int] = [], filedBounds = [0]
        for (key, value) in map.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            bytes += key
            bounds.append(bytes.count)
            filed += value
            filedBounds.append(filed.count)
        }
        self.bytes = bytes
        self.bounds = bounds
        self.filed = filed
        self.filedBounds = filedBounds
    }

    var isEmpty: Bool { filed.isEmpty }

    /// Calls `body` with each index filed under exactly these bytes.
    @inline(__always)
    func forEachIndex(filedUnder key: UnsafeBufferPointer<UInt8>, _ body: (Int) -> Void) {
        guard let position = position(of: key) else { return }
        for index in filedBounds[position]..<filedBounds[position + 1] { body(filed[index]) }
    }

    private func position(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        bytes.withUnsafeBufferPointer { all in
            var low = 0, high = bounds.count - 1
            while low < high {
                let middle = (low + high) / 2
                let order = Self.compare(UnsafeBufferPointer(rebasing: all[bounds[middle]..<bounds[middle + 1]]), key)
                if order == 0 { return middle }
                if order < 0 { low = middle + 1 } else { high = middle }
            }
            return nil
        }
    }

    /// memcmp order: negative when `a` sorts first.
    private static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let shared = min(a.count, b.count)
        for index in 0..<shared where a[index] != b[index] {
            return Int(a[index]) - Int(b[index])
        }
        return a.count - b.count
    }
}
