import HotplugCore
import Testing

@Suite("IPPrefix parsing and canonical form")
struct IPPrefixTests {
    /// Input, then the canonical description it must produce.
    static let validPrefixes: [(String, String)] = [
        ("10.42.0.1/24", "10.42.0.1/24"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("255.255.255.255/32", "255.255.255.255/32"),
        ("192.168.100.200/31", "192.168.100.200/31"),
        ("fd42::1/64", "fd42::1/64"),
        ("::1/128", "::1/128"),
        ("::/0", "::/0"),
        ("fe80::/10", "fe80::/10"),
        ("1::/16", "1::/16"),
        ("FD42:0000:0000:0000:0000:0000:0000:0001/64", "fd42::1/64"),
        ("2001:0db8::0001/48", "2001:db8::1/48"),
        // Longest zero run wins; on a tie the first one is compressed.
        ("2001:db8:0:0:1:0:0:1/64", "2001:db8::1:0:0:1/64"),
        ("2001:db8:0:0:1:0:0:0/64", "2001:db8:0:0:1::/64"),
        // A single zero group is never compressed.
        ("2001:db8:0:1:1:1:1:1/64", "2001:db8:0:1:1:1:1:1/64"),
        ("1:2:3:4:5:6:7::/64", "1:2:3:4:5:6:7:0/64"),
        ("::2:3:4:5:6:7:8/64", "0:2:3:4:5:6:7:8/64"),
        ("1:0:0:0:0:0:0:8/64", "1::8/64"),
        // Embedded IPv4: kept dotted for IPv4-mapped, hex otherwise (RFC 5952 §5).
        ("::ffff:1.2.3.4/96", "::ffff:1.2.3.4/96"),
        ("::FFFF:0102:0304/96", "::ffff:1.2.3.4/96"),
        ("1:2:3:4:5:6:1.2.3.4/128", "1:2:3:4:5:6:102:304/128"),
        ("::1.2.3.4/128", "::102:304/128"),
        ("64:ff9b::192.0.2.33/96", "64:ff9b::c000:221/96"),
    ]

    @Test("valid prefixes parse and print canonically", arguments: validPrefixes)
    func validPrefix(input: String, canonical: String) throws {
        let prefix = try #require(IPPrefix(input))
        #expect(prefix.description == canonical)
        // The canonical form must itself parse back to the same value.
        #expect(IPPrefix(canonical) == prefix)
    }

    @Test func fieldsOfIPv4Prefix() throws {
        let prefix = try #require(IPPrefix("10.42.0.1/24"))
        #expect(prefix.family == .ipv4)
        #expect(prefix.address == [10, 42, 0, 1])
        #expect(prefix.prefixLength == 24)
    }

    @Test func fieldsOfIPv6Prefix() throws {
        let prefix = try #require(IPPrefix("fd42::1/64"))
        #expect(prefix.family == .ipv6)
        #expect(prefix.address == [0xFD, 0x42] + Array(repeating: 0, count: 13) + [1])
        #expect(prefix.prefixLength == 64)
    }

    @Test(
        "invalid text is rejected",
        arguments: [
            "", "/24", "10.42.0.1", "10.42.0.1/", "10.42.0.1/33", "10.42.0.1/024", "10.42.0.1/-1", "10.42.0.1/+8",
            "10.42.0.1/8/8", "010.1.1.1/8", "10.1.1.01/8", "00.1.1.1/8", "256.1.1.1/8", "1.2.3/8", "1.2.3.4.5/8",
            "1..3.4/8", ".1.2.3/8", "1.2.3.4./8", " 1.2.3.4/8", "1.2.3.4/8 ", "1.2.3.4 /8", "1.2.3.-4/8",
            "١.٢.٣.٤/8", "1.2.3.4e0/8", "0x1.2.3.4/8",
            "fd42::1", "fd42::1/129", "fd42::1/", "1::2::3/64", ":::/64", "::::/64", ":1::/64", "1::2:/64",
            ":1:2:3:4:5:6:7/64", "1:2:3:4:5:6:7:/64", "1:2:3:4:5:6:7:8:9/64", "1:2:3:4:5:6:7/64",
            "1:2:3:4:5:6:7:8::/64", "::1:2:3:4:5:6:7:8/64", "12345::/64", "g::/64", "fe80::1%eth0/64",
            "::ffff:1.2.3/96", "::1.2.3.4:5/64", "1.2.3.4::/64", "::ffff:01.2.3.4/96", "::ffff:256.1.1.1/96",
            "1:2:3:4:5:6:7:1.2.3.4/128", "1.2.3.4::ffff/128", "[::1]/128",
        ])
    func invalidPrefix(input: String) {
        #expect(IPPrefix(input) == nil, "\(input) should be rejected")
    }

    @Test func rawBytesInitializerChecksFamilyAndLength() {
        #expect(IPPrefix(address: [10, 0, 0, 1], prefixLength: 8)?.description == "10.0.0.1/8")
        #expect(IPPrefix(address: Array(repeating: 0, count: 15) + [1], prefixLength: 128)?.description == "::1/128")
        #expect(IPPrefix(address: [10, 0, 0], prefixLength: 8) == nil)
        #expect(IPPrefix(address: [10, 0, 0, 1], prefixLength: 33) == nil)
        #expect(IPPrefix(address: Array(repeating: 0, count: 16), prefixLength: 129) == nil)
    }

    @Test func mismatchedBytesDoNotCrashDescription() throws {
        var prefix = try #require(IPPrefix("fd42::1/64"))
        prefix.address = [1, 2, 3]
        _ = prefix.description
        prefix.family = .ipv4
        prefix.address = []
        _ = prefix.description
    }
}
