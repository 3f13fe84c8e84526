/// The entries proposed for one event, as one bit per entry index. Marking
/// twice is harmless (a binding found through two values or two prefixes is
/// proposed once) and reading the bits in order yields binding order, so
/// there is nothing to sort or deduplicate. Up to 512 bindings the bits live
/// in the struct itself and an event allocates nothing for them; beyond, in
/// one buffer per event, owned by the set and freed by its deinit.
///
/// Not copyable: the set owns its spilled buffer, and nothing needs a copy.
/// The spill is a raw buffer, not an array: the optimizer hoisted the
/// array's uniqueness check out of the marking loops, where it ran on every
/// mark (a copy-on-write check of the empty array) even with nothing spilled.
/// Not built on `withUnsafeTemporaryAllocation` either: the closure it takes
/// would capture, and copy, the DeviceFacts being matched.
struct CandidateSet: ~Copyable {
    private typealias Inline = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
    private static let inlineCapacity = 8 * 64

    private var inline: Inline = (0, 0, 0, 0, 0, 0, 0, 0)
    /// The words, when there are more than `inline` holds; else nil.
    private let spilled: UnsafeMutablePointer<UInt64>?
    private let wordCount: Int

    /// An empty set for indexes below `capacity`.
    init(capacity: Int) {
        wordCount = max(0, (capacity + 63) / 64)
        if capacity > Self.inlineCapacity {
            let words = UnsafeMutablePointer<UInt64>.allocate(capacity: wordCount)
            words.initialize(repeating: 0, count: wordCount)
            spilled = words
        } else {
            spilled = nil
        }
    }

    deinit { spilled?.deallocate() }

    @inline(__always)
    mutating func insert(_ index: Int) {
        setWord(index >> 6, word(index >> 6) | 1 << UInt64(index & 63))
    }

    @inline(__always)
    mutating func remove(_ index: Int) {
        setWord(index >> 6, word(index >> 6) & ~(1 << UInt64(index & 63)))
    }

    /// The smallest index in the set that is at least `start`.
    @inline(__always)
    func first(from start: Int) -> Int? {
        var position = start >> 6
        guard position < wordCount else { return nil }
        var word = word(position) & (~0 << UInt64(start & 63))
        while word == 0 {
            position += 1
            guard position < wordCount else { return nil }
            word = self.word(position)
        }
        return position << 6 + word.trailingZeroBitCount
    }

    @inline(__always)
    var count: Int {
        var total = 0
        for position in 0..<wordCount { total += word(position).nonzeroBitCount }
        return total
    }

    /// The indexes, ascending and transformed, as an array: one
    /// allocation, none when empty. Reserved and appended to, not built with
    /// `init(unsafeUninitializedCapacity:)` or `init(repeating:count:)`:
    /// those allocate through a function the standard library does not
    /// inline, unspecialized, which looks up the generic array type's
    /// metadata on every call (some hundreds of instructions).
    func map<Element>(_ transform: (Int) -> Element) -> [Element] {
        let count = count
        guard count > 0 else { return [] }
        var result: [Element] = []
        result.reserveCapacity(count)
        var next = first(from: 0)
        while let index = next {
            result.append(transform(index))
            next = first(from: index + 1)
        }
        return result
    }

    @inline(__always)
    private func word(_ position: Int) -> UInt64 {
        if let spilled {
            precondition(position < wordCount)
            return spilled[position]
        }
        precondition(position < Self.inlineCapacity / 64)
        return withUnsafeBytes(of: inline) { $0.load(fromByteOffset: position &* 8, as: UInt64.self) }
    }

    @inline(__always)
    private mutating func setWord(_ position: Int, _ value: UInt64) {
        if let spilled {
            precondition(position < wordCount)
            spilled[position] = value
            return
        }
        precondition(position < Self.inlineCapacity / 64)
        withUnsafeMutableBytes(of: &inline) { $0.storeBytes(of: value, toByteOffset: position &* 8, as: UInt64.self) }
    }
}
