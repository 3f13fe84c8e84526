import Testing
@testable import HotplugCore

/// The bit set must behave as a sorted set of indexes, in its inline words
/// and past them, where it spills into an array.
@Suite struct CandidateSetTests {
    @Test(arguments: [1, 63, 64, 65, 200, 512, 513, 2000])
    func behavesAsASortedSet(capacity: Int) {
        var random = SeededGenerator(seed: UInt64(capacity))
        var set = CandidateSet(capacity: capacity), reference = Set<Int>()
        for _ in 0..<(capacity / 2 + 3) {
            let index = Int(random.next() % UInt64(capacity))
            set.insert(index)
            reference.insert(index)
        }
        set.insert(capacity - 1)
        reference.insert(capacity - 1)
        #expect(set.map { $0 } == reference.sorted())
        #expect(set.count == reference.count)

        for index in reference where index % 3 == 0 { set.remove(index) }
        #expect(set.map { $0 } == reference.filter { $0 % 3 != 0 }.sorted())
        #expect(set.first(from: capacity) == nil)
        for index in reference { set.remove(index) }
        #expect(set.map { $0 }.isEmpty)
        #expect(set.count == 0 && set.first(from: 0) == nil)
    }
}
