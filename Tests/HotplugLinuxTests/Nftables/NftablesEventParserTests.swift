import Testing
@testable import HotplugLinux

/// nftables notifications as the kernel sends them: a change to our table
/// by another process is reported once per transaction, with its pid and
/// name; our own transactions and other tables are not.
struct NftablesEventParserTests {
    static func attribute(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        let length = 4 + payload.count
        var bytes = [UInt8(length & 0xff), UInt8(length >> 8), UInt8(type & 0xff), UInt8(type >> 8)] + payload
        while bytes.count % 4 != 0 { bytes.append(0) }
        return bytes
    }

    static func message(_ kind: UInt16, family: UInt8 = 1, _ attributes: [UInt8]) -> [UInt8] {
        let type = 10 << 8 | kind
        let body: [UInt8] = [family, 0, 0, 0] + attributes
        let length = 16 + body.count
        return [UInt8(length & 0xff), UInt8(length >> 8 & 0xff), 0, 0, UInt8(type & 0xff), UInt8(type >> 8), 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0] + body
    }

    static func table(_ name: String) -> [UInt8] { attribute(1, Array(name.utf8) + [0]) }
    static func generation(pid: UInt32, name: String) -> [UInt8] {
        message(15, family: 0, attribute(1, [0, 0, 0, 9]) + attribute(2, [UInt8(pid >> 24), UInt8(pid >> 16 & 0xff), UInt8(pid >> 8 & 0xff), UInt8(pid & 0xff)])
                + attribute(3, Array(name.utf8) + [0]))
    }

    @Test func aForeignDeleteOfOurTableIsReported() {
        var parser = NftablesEventParser(family: 1, table: "hotplugd", ownPID: 100)
        let flush = Self.message(8, Self.table("hotplugd")) + Self.message(2, Self.table("hotplugd")) + Self.generation(pid: 4242, name: "nft")
        #expect(parser.feed(flush) == [NftablesEventParser.Change(pid: 4242, process: "nft")])
    }

    @Test func ourOwnTransactionsAndOtherTablesAreNotNews() {
        var parser = NftablesEventParser(family: 1, table: "hotplugd", ownPID: 100)
        #expect(parser.feed(Self.message(2, Self.table("hotplugd")) + Self.generation(pid: 100, name: "hotplugd")).isEmpty)
        #expect(parser.feed(Self.message(8, Self.table("filter")) + Self.generation(pid: 7, name: "iptables-nft-res")).isEmpty)
        #expect(parser.feed(Self.message(8, family: 2, Self.table("hotplugd")) + Self.generation(pid: 7, name: "nft")).isEmpty,
                "an ip (not inet) table of the same name is someone else's")
        #expect(parser.feed(Self.message(8, Self.table("hotplugdx")) + Self.generation(pid: 7, name: "nft")).isEmpty)
    }

    @Test func aTransactionSplitOverDatagramsIsReportedOnce() {
        var parser = NftablesEventParser(family: 1, table: "hotplugd", ownPID: 100)
        #expect(parser.feed(Self.message(5, Self.table("hotplugd"))).isEmpty)
        #expect(parser.feed(Self.message(2, Self.table("hotplugd"))).isEmpty)
        #expect(parser.feed(Self.generation(pid: 5, name: "nft")).count == 1)
        #expect(parser.feed(Self.generation(pid: 5, name: "nft")).isEmpty)
    }

    @Test func truncatedInputIsIgnored() {
        var parser = NftablesEventParser(family: 1, table: "hotplugd", ownPID: 100)
        let whole = Self.message(2, Self.table("hotplugd")) + Self.generation(pid: 5, name: "nft")
        for length in 0..<whole.count { _ = parser.feed(Array(whole.prefix(length))) }
        #expect(parser.feed([255, 255, 0, 0] + Array(repeating: 0, count: 40)).isEmpty)
    }
}
