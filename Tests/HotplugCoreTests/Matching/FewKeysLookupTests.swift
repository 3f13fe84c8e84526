import Testing
@testable import HotplugCore

/// `value(for:)` compares keys in turn instead of hashing; it must find
/// exactly what the subscript finds, canonical equivalence included.
@Suite struct FewKeysLookupTests {
    // "é" and "e\u{301}" are equal Strings, as are "K" and the Kelvin sign.
    static let keys = ["idVendor", "idProduct", "serial", "manufacturer", "é", "e\u{301}", "K", "\u{212A}",
                       "", "a", "address", "ID_PATH", "ÉCOLE", "a long attribute name past fifteen bytes"]

    @Test(arguments: [UInt64(1), 2, 3])
    func agreesWithTheSubscript(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        for _ in 0..<500 {
            var dictionary: [String: String] = [:]
            for _ in 0..<(random.next() % 7) { dictionary[random.pick(Self.keys)] = random.pick(["1", "2", "067b"]) }
            for key in Self.keys {
                #expect(dictionary.value(for: key) == dictionary[key], "\(key.debugDescription) in \(dictionary)")
            }
        }
    }
}
