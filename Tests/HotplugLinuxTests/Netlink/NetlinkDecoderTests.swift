import HotplugCore
import Testing

@testable import HotplugLinux

/// Decoding untrusted bytes: malformed input must produce errors, never a
/// crash or an out-of-bounds read. No root needed.
@Suite("Netlink decoding of malformed and valid data")
struct NetlinkDecoderTests {
    // MARK: Building test bytes in host order

    private func attribute(_ type: UInt16, _ payload: [UInt8], declaredLength: Int? = nil, padded: Bool = true)
        -> [UInt8]
    {
        var writer = NetlinkByteWriter()
        writer.append(UInt16(declaredLength ?? 4 + payload.count))
        writer.append(type)
        writer.append(contentsOf: payload)
        if padded { writer.padToAlignment() }
        return writer.bytes
    }

    private func uint32Bytes(_ value: UInt32) -> [UInt8] {
        var writer = NetlinkByteWriter()
        writer.append(value)
        return writer.bytes
    }

    private func messageBytes(
        type: UInt16, flags: UInt16 = 0, sequence: UInt32 = 1, payload: [UInt8], declaredLength: UInt32? = nil
    ) -> [UInt8] {
        var writer = NetlinkByteWriter()
        writer.append(declaredLength ?? UInt32(16 + payload.count))
        writer.append(type)
        writer.append(flags)
        writer.append(sequence)
        writer.append(UInt32(0))
        writer.append(contentsOf: payload)
        writer.padToAlignment()
        return writer.bytes
    }

    private func linkPayload(index: Int32, flags: UInt32, attributes: [[UInt8]]) -> [UInt8] {
        var writer = NetlinkByteWriter()
        InterfaceInfoHeader(index: index, flags: flags).encode(into: &writer)
        for attribute in attributes { writer.append(contentsOf: attribute) }
        return writer.bytes
    }

    // MARK: Attributes

    @Test func decodesWellFormedAttributes() throws {
        let bytes =
            attribute(3, Array("abc".utf8) + [0]) + attribute(4, uint32Bytes(1500))
            + attribute(1, [2, 0, 0x5e, 0, 0, 1])
        let attributes = try NetlinkAttributes(decoding: bytes[...])
        #expect(attributes.all.count == 3)
        #expect(attributes.string(LinkAttribute.interfaceName) == "abc")
        #expect(try attributes.uint32(LinkAttribute.mtu) == 1500)
        #expect(attributes.payload(LinkAttribute.address).map(Array.init) == [2, 0, 0x5e, 0, 0, 1])
        #expect(try attributes.uint32(LinkAttribute.extendedFilterMask) == nil)
    }

    @Test func acceptsEmptyAttributesAndUnpaddedLastAttribute() throws {
        #expect(try NetlinkAttributes(decoding: [][...]).all.isEmpty)
        let unpadded = attribute(3, Array("x".utf8), padded: false)
        #expect(unpadded.count == 5)
        #expect(try NetlinkAttributes(decoding: unpadded[...]).string(LinkAttribute.interfaceName) == "x")
    }

    @Test func stringWithoutTerminatorEndsAtPayload() throws {
        let bytes = attribute(3, Array("eth0".utf8))
        #expect(try NetlinkAttributes(decoding: bytes[...]).string(LinkAttribute.interfaceName) == "eth0")
    }

    @Test(
        "malformed attribute lists are rejected",
        arguments: [
            ("header cut short", [8, 0]),
            ("rta_len 0 (would loop forever)", [0, 0, 3, 0]),
            ("rta_len smaller than its header", [2, 0, 3, 0, 0xAA, 0xBB, 0xCC, 0xDD]),
            ("rta_len bigger than the buffer", [200, 0, 3, 0, 0x61, 0x62, 0, 0]),
            ("rta_len one past the end", [9, 0, 3, 0, 0x61, 0x62, 0x63, 0]),
            ("valid attribute then garbage", [8, 0, 3, 0, 0x61, 0x62, 0x63, 0, 1, 2]),
            ("valid attribute then a lying one", [8, 0, 3, 0, 0x61, 0x62, 0x63, 0, 0xFF, 0xFF, 4, 0]),
        ] as [(String, [UInt8])])
    func malformedAttributes(label: String, littleEndianBytes: [UInt8]) {
        // The byte tables are little-endian; swap the length fields on big-endian hosts.
        let bytes = hostOrderAttributeBytes(littleEndianBytes)
        #expect(throws: NetlinkDecodingError.self, "\(label)") {
            try NetlinkAttributes(decoding: bytes[...])
        }
    }

    private func hostOrderAttributeBytes(_ bytes: [UInt8]) -> [UInt8] {
        guard UInt16(littleEndian: 1) != 1 else { return bytes }
        var swapped = bytes
        var offset = 0
        while offset + 4 <= swapped.count {
            swapped.swapAt(offset, offset + 1)
            swapped.swapAt(offset + 2, offset + 3)
            offset += 8
        }
        return swapped
    }

    @Test func shortIntegerAttributeIsAnError() throws {
        let attributes = try NetlinkAttributes(decoding: attribute(4, [0xDC, 0x05])[...])
        #expect(throws: NetlinkDecodingError.self) { try attributes.uint32(LinkAttribute.mtu) }
    }

    @Test func nestedAndByteOrderFlagsAreMaskedFromTheType() throws {
        let attributes = try NetlinkAttributes(decoding: attribute(0x8000 | 4, uint32Bytes(9000))[...])
        #expect(try attributes.uint32(LinkAttribute.mtu) == 9000)
    }

    @Test func decodingWorksOnSlicesWithNonZeroStartIndex() throws {
        let bytes = [0xEE, 0xEE, 0xEE] + attribute(4, uint32Bytes(1280))
        let attributes = try NetlinkAttributes(decoding: bytes[3...])
        #expect(try attributes.uint32(LinkAttribute.mtu) == 1280)
    }

    // MARK: Messages

    @Test func splitsADatagramIntoMessages() throws {
        let datagram =
            messageBytes(type: 16, payload: [1, 2, 3])
            + messageBytes(type: 3, flags: 2, sequence: 7, payload: uint32Bytes(0))
        let messages = try NetlinkMessageDecoder.messages(in: datagram[...])
        #expect(messages.count == 2)
        #expect(messages[0].header.type == .newLink)
        #expect(Array(messages[0].payload) == [1, 2, 3])
        #expect(messages[1].header.type == .done)
        #expect(messages[1].header.sequence == 7)
        #expect(messages[1].header.flags.contains(.multipart))
    }

    @Test func rejectsMalformedMessages() {
        let tooLong = messageBytes(type: 16, payload: [1, 2, 3, 4], declaredLength: 1000)
        let tooShort = messageBytes(type: 16, payload: [1, 2, 3, 4], declaredLength: 4)
        let zero = messageBytes(type: 16, payload: [], declaredLength: 0)
        let validThenStub = messageBytes(type: 16, payload: [1, 2, 3, 4]) + [1, 2, 3, 4, 5, 6]
        for datagram in [tooLong, tooShort, zero, validThenStub, [0x10, 0, 0]] {
            #expect(throws: NetlinkDecodingError.self) { try NetlinkMessageDecoder.messages(in: datagram[...]) }
        }
    }

    // MARK: Typed replies

    @Test func decodesLinkState() throws {
        let payload = linkPayload(
            index: 7, flags: InterfaceFlag.up,
            attributes: [
                attribute(3, Array("gamelink0".utf8) + [0]),
                attribute(4, uint32Bytes(1400)),
                attribute(1, [0x02, 0xAB, 0x0C, 0, 0, 0xFF]),
            ])
        let link = try LinkState(decodingLinkPayload: payload[...])
        #expect(link == LinkState(index: 7, name: "gamelink0", mtu: 1400, isUp: true, mac: "02:ab:0c:00:00:ff"))
    }

    /// An interface name may hold any bytes: those that are not UTF-8 are
    /// shown escaped, so two such names never decode to one (U+FFFD).
    @Test func linkNamesThatAreNotUTF8KeepTheirBytesEscaped() throws {
        func name(_ bytes: [UInt8]) throws -> String {
            let payload = linkPayload(index: 5, flags: 0, attributes: [attribute(3, bytes + [0]), attribute(4, uint32Bytes(1500))])
            return try LinkState(decodingLinkPayload: payload[...]).name
        }
        #expect(try name(Array("idq".utf8) + [0xff]) == "idq\\xff")
        #expect(try name(Array("idq".utf8) + [0xfe]) == "idq\\xfe")
        #expect(try name(Array("é0".utf8)) == "é0")
    }

    @Test func linkWithoutHardwareAddressHasNilMac() throws {
        let payload = linkPayload(
            index: 3, flags: 0, attributes: [attribute(3, Array("tun0".utf8) + [0]), attribute(4, uint32Bytes(1500))])
        #expect(try LinkState(decodingLinkPayload: payload[...]).mac == nil)
    }

    @Test func malformedLinkMessagesAreRejected() {
        let truncatedHeader: [UInt8] = Array(linkPayload(index: 1, flags: 0, attributes: []).prefix(10))
        let missingName = linkPayload(index: 1, flags: 0, attributes: [attribute(4, uint32Bytes(1500))])
        let missingMTU = linkPayload(index: 1, flags: 0, attributes: [attribute(3, Array("a".utf8) + [0])])
        let shortMTU = linkPayload(
            index: 1, flags: 0, attributes: [attribute(3, Array("a".utf8) + [0]), attribute(4, [1])])
        let lyingAttribute = linkPayload(
            index: 1, flags: 0, attributes: [attribute(3, Array("a".utf8) + [0], declaredLength: 300)])
        for payload in [truncatedHeader, missingName, missingMTU, shortMTU, lyingAttribute] {
            #expect(throws: NetlinkDecodingError.self) { try LinkState(decodingLinkPayload: payload[...]) }
        }
    }

    @Test func decodesAddressesAndRejectsWrongLengths() throws {
        func addressPayload(family: UInt8, prefixLength: UInt8, index: UInt32, _ attributes: [[UInt8]]) -> [UInt8] {
            var writer = NetlinkByteWriter()
            InterfaceAddressHeader(family: family, prefixLength: prefixLength, index: index).encode(into: &writer)
            for attribute in attributes { writer.append(contentsOf: attribute) }
            return writer.bytes
        }
        let ipv4 = addressPayload(
            family: 2, prefixLength: 24, index: 5, [attribute(1, [10, 0, 0, 9]), attribute(2, [10, 0, 0, 1])])
        let decoded = try #require(try RouteNetlink.decodeAddress(ipv4[...]))
        #expect(decoded.index == 5)
        #expect(decoded.prefix.description == "10.0.0.1/24")  // IFA_LOCAL wins over the peer

        let ipv6 = addressPayload(
            family: 10, prefixLength: 64, index: 5, [attribute(1, [0xFD] + Array(repeating: 0, count: 14) + [1])])
        #expect(try RouteNetlink.decodeAddress(ipv6[...])?.prefix.description == "fd00::1/64")

        let otherFamily = addressPayload(family: 17, prefixLength: 0, index: 5, [attribute(1, [1, 2])])
        #expect(try RouteNetlink.decodeAddress(otherFamily[...]) == nil)

        let shortAddress = addressPayload(family: 2, prefixLength: 24, index: 5, [attribute(2, [10, 0, 0])])
        let prefixTooLong = addressPayload(family: 2, prefixLength: 33, index: 5, [attribute(2, [10, 0, 0, 1])])
        let noAddress = addressPayload(family: 2, prefixLength: 24, index: 5, [])
        for payload in [shortAddress, prefixTooLong, noAddress, [2, 24]] {
            #expect(throws: NetlinkDecodingError.self) { try RouteNetlink.decodeAddress(payload[...]) }
        }
    }

    @Test func decodesErrorRepliesWithExtendedAck() throws {
        // Capped ACK: errno, echoed request header, then NLMSGERR_ATTR_MSG.
        let echoedHeader = messageBytes(type: 19, payload: [])
        let payload = uint32Bytes(UInt32(bitPattern: -17)) + echoedHeader + attribute(1, Array("name taken".utf8) + [0])
        let message = try #require(
            try NetlinkMessageDecoder.messages(in: messageBytes(type: 2, flags: 0x300, payload: payload)[...]).first)
        let reply = try NetlinkErrorReply(decoding: message)
        #expect(reply.errno == 17)
        #expect(reply.extendedMessage == "name taken")

        // A lying TLV only loses the text, not the errno.
        let lying = uint32Bytes(UInt32(bitPattern: -22)) + echoedHeader + [0xFF, 0x7F, 1, 0]
        let lyingMessage = try #require(
            try NetlinkMessageDecoder.messages(in: messageBytes(type: 2, flags: 0x300, payload: lying)[...]).first)
        #expect(try NetlinkErrorReply(decoding: lyingMessage) == NetlinkErrorReply(errno: 22, extendedMessage: nil))

        // Uncapped with an echoed length far beyond the payload: no text, no crash.
        let uncapped = uint32Bytes(UInt32(bitPattern: -1)) + uint32Bytes(0xFFFF_FFF0)
        let uncappedMessage = try #require(
            try NetlinkMessageDecoder.messages(in: messageBytes(type: 2, flags: 0x200, payload: uncapped)[...]).first)
        #expect(try NetlinkErrorReply(decoding: uncappedMessage).extendedMessage == nil)

        let empty = try #require(
            try NetlinkMessageDecoder.messages(in: messageBytes(type: 2, payload: [1, 2])[...]).first)
        #expect(throws: NetlinkDecodingError.self) { try NetlinkErrorReply(decoding: empty) }
    }

    // MARK: Fuzzing

    /// Random and mutated buffers through every decoder. Only completion
    /// matters: any out-of-bounds access would trap and fail the run.
    @Test func randomAndMutatedBytesNeverCrash() {
        var generator = SplitMix64(seed: 0x6E6C_7465_7374)
        let validLink = messageBytes(
            type: 16,
            payload: linkPayload(
                index: 2, flags: 1,
                attributes: [
                    attribute(3, Array("veth0".utf8) + [0]), attribute(4, uint32Bytes(1500)),
                    attribute(1, [1, 2, 3, 4, 5, 6]),
                ]))
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...96, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
            } else {
                bytes = validLink
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(
                        in: 0...255, using: &generator)
                }
                bytes.removeLast(Int.random(in: 0...8, using: &generator))
            }
            exerciseAllDecoders(bytes)
        }
    }

    private func exerciseAllDecoders(_ bytes: [UInt8]) {
        _ = try? NetlinkAttributes(decoding: bytes[...])
        _ = try? LinkState(decodingLinkPayload: bytes[...])
        _ = try? RouteNetlink.decodeAddress(bytes[...])
        for start in [0, 1, 3] where start <= bytes.count {
            _ = try? NetlinkAttributes(decoding: bytes[start...])
        }
        guard let messages = try? NetlinkMessageDecoder.messages(in: bytes[...]) else { return }
        for message in messages {
            _ = try? NetlinkErrorReply(decoding: message)
            _ = try? LinkState(decodingLinkPayload: message.payload)
            _ = try? RouteNetlink.decodeAddress(message.payload)
        }
    }

    // MARK: Encoding

    @Test func encodesAlignedRequest() throws {
        var request = NetlinkRequest(type: .setLink, flags: [.request, .acknowledge])
        request.append(InterfaceInfoHeader(index: 9, flags: InterfaceFlag.up, changeMask: InterfaceFlag.up))
        request.appendAttribute(LinkAttribute.interfaceName, string: "ab")  // 4 + 3 = 7, padded to 8
        request.appendAttribute(LinkAttribute.mtu, uint32: 1400)
        let bytes = request.encoded(sequence: 42)

        #expect(bytes.count == 16 + 16 + 8 + 8)
        let header = NetlinkMessageHeader(decoding: bytes[...])
        #expect(
            header
                == NetlinkMessageHeader(
                    length: 48, type: .setLink, flags: [.request, .acknowledge], sequence: 42, portID: 0))
        #expect(
            try InterfaceInfoHeader(decoding: bytes[16...]) == InterfaceInfoHeader(index: 9, flags: 1, changeMask: 1))
        #expect(bytes[32...].hostUInt16(at: 0) == 7)
        #expect(Array(bytes[36..<40]) == [0x61, 0x62, 0, 0])
        let attributes = try? NetlinkAttributes(decoding: bytes[32...])
        #expect(attributes?.string(LinkAttribute.interfaceName) == "ab")
        #expect((try? attributes?.uint32(LinkAttribute.mtu)) == 1400)
    }

    @Test func ipv4BroadcastFollowsPrefixLength() throws {
        #expect(RouteNetlink.ipv4Broadcast(of: try #require(IPPrefix("10.250.3.7/24"))) == [10, 250, 3, 255])
        #expect(RouteNetlink.ipv4Broadcast(of: try #require(IPPrefix("10.250.3.7/20"))) == [10, 250, 15, 255])
        #expect(RouteNetlink.ipv4Broadcast(of: try #require(IPPrefix("10.250.3.7/0"))) == [255, 255, 255, 255])
        #expect(RouteNetlink.ipv4Broadcast(of: try #require(IPPrefix("10.250.3.6/31"))) == nil)
        #expect(RouteNetlink.ipv4Broadcast(of: try #require(IPPrefix("fd00::1/64"))) == nil)
    }

    /// Small deterministic generator so a fuzz failure can be reproduced.
    private struct SplitMix64: RandomNumberGenerator {
        private var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            return mixed ^ (mixed >> 31)
        }
    }
}
