import HotplugCore
// Reading kernel replies. Everything here treats the bytes as untrusted: each
// length field is checked against the bytes actually present before it is
// used, and every read goes through a bounds-checked accessor, so a truncated
// or lying message becomes a NetlinkDecodingError instead of a crash.

extension ArraySlice<UInt8> {
    /// Host-order integer at `offset` bytes from the start of the slice, or
    /// nil if the slice is too short. (Slices keep their parent's indices, so
    /// offsets are translated explicitly.)
    func hostUInt16(at offset: Int) -> UInt16? {
        guard offset >= 0, offset <= count - 2 else { return nil }
        let base = startIndex + offset
        return UInt16(littleEndian: UInt16(self[base]) | UInt16(self[base + 1]) << 8)
    }

    func hostUInt32(at offset: Int) -> UInt32? {
        guard offset >= 0, offset <= count - 4 else { return nil }
        let base = startIndex + offset
        var value: UInt32 = 0
        for index in 0..<4 {
            value |= UInt32(self[base + index]) << UInt32(index * 8)
        }
        return UInt32(littleEndian: value)
    }

    func hostInt32(at offset: Int) -> Int32? {
        hostUInt32(at: offset).map { Int32(bitPattern: $0) }
    }

    func byte(at offset: Int) -> UInt8? {
        guard offset >= 0, offset < count else { return nil }
        return self[startIndex + offset]
    }

    /// The bytes from `offset` to the end, or nil if `offset` is past the end.
    func suffix(fromOffset offset: Int) -> ArraySlice<UInt8>? {
        guard offset >= 0, offset <= count else { return nil }
        return self[(startIndex + offset)...]
    }
}

/// `struct nlmsghdr`.
struct NetlinkMessageHeader: Equatable {
    static let size = NetlinkRequest.headerSize

    var length: UInt32
    var type: NetlinkMessageType
    var flags: NetlinkMessageFlags
    var sequence: UInt32
    var portID: UInt32

    init(length: UInt32, type: NetlinkMessageType, flags: NetlinkMessageFlags, sequence: UInt32, portID: UInt32) {
        self.length = length
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
    }

    init?(decoding bytes: ArraySlice<UInt8>) {
        guard let length = bytes.hostUInt32(at: 0),
            let type = bytes.hostUInt16(at: 4),
            let flags = bytes.hostUInt16(at: 6),
            let sequence = bytes.hostUInt32(at: 8),
            let portID = bytes.hostUInt32(at: 12)
        else { return nil }
        self.init(
            length: length,
            type: NetlinkMessageType(rawValue: type),
            flags: NetlinkMessageFlags(rawValue: flags),
            sequence: sequence,
            portID: portID
        )
    }
}

/// One message out of a datagram; `payload` is everything after nlmsghdr up
/// to nlmsg_len (padding excluded).
struct NetlinkMessage {
    var header: NetlinkMessageHeader
    var payload: ArraySlice<UInt8>
}

enum NetlinkMessageDecoder {
    /// Splits one received datagram into its messages (a dump packs several).
    static func messages(in datagram: ArraySlice<UInt8>) throws(NetlinkDecodingError) -> [NetlinkMessage] {
        var messages: [NetlinkMessage] = []
        var remaining = datagram
        while !remaining.isEmpty {
            guard let header = NetlinkMessageHeader(decoding: remaining) else {
                throw NetlinkDecodingError(
                    reason: "\(remaining.count) trailing bytes are too short for a message header")
            }
            let length = Int(header.length)
            guard length >= NetlinkMessageHeader.size else {
                throw NetlinkDecodingError(reason: "nlmsg_len \(length) is smaller than the header")
            }
            guard length <= remaining.count else {
                throw NetlinkDecodingError(reason: "nlmsg_len \(length) exceeds the \(remaining.count) bytes received")
            }
            let payloadStart = remaining.startIndex + NetlinkMessageHeader.size
            messages.append(
                NetlinkMessage(header: header, payload: remaining[payloadStart..<(remaining.startIndex + length)]))
            // The last message's padding may be missing; never step past the end.
            let step = min(NetlinkAlignment.aligned(length), remaining.count)
            remaining = remaining[(remaining.startIndex + step)...]
        }
        return messages
    }
}

/// The rtattr list that follows a family header, decoded eagerly and checked
/// as a whole so that callers only ever see well-formed attributes.
struct NetlinkAttributes {
    struct Attribute {
        /// rta_type without the NLA_F_NESTED / NLA_F_NET_BYTEORDER bits.
        var type: UInt16
        var payload: ArraySlice<UInt8>
    }

    private static let typeMask: UInt16 = 0x3FFF

    private(set) var all: [Attribute] = []

    init(decoding bytes: ArraySlice<UInt8>) throws(NetlinkDecodingError) {
        var remaining = bytes
        while !remaining.isEmpty {
            guard let declaredLength = remaining.hostUInt16(at: 0), let type = remaining.hostUInt16(at: 2) else {
                throw NetlinkDecodingError(
                    reason: "\(remaining.count) trailing bytes are too short for an attribute header")
            }
            let length = Int(declaredLength)
            guard length >= NetlinkRequest.attributeHeaderSize else {
                throw NetlinkDecodingError(reason: "attribute \(type) has rta_len \(length), smaller than its header")
            }
            guard length <= remaining.count else {
                throw NetlinkDecodingError(
                    reason: "attribute \(type) has rta_len \(length) but only \(remaining.count) bytes remain")
            }
            let payloadStart = remaining.startIndex + NetlinkRequest.attributeHeaderSize
            all.append(
                Attribute(
                    type: type & Self.typeMask, payload: remaining[payloadStart..<(remaining.startIndex + length)]))
            let step = min(NetlinkAlignment.aligned(length), remaining.count)
            remaining = remaining[(remaining.startIndex + step)...]
        }
    }

    /// The first attribute of that kind; the kernel sends each at most once
    /// in the messages this module reads.
    func payload<Kind: RawRepresentable>(_ kind: Kind) -> ArraySlice<UInt8>? where Kind.RawValue == UInt16 {
        all.first { $0.type == kind.rawValue }?.payload
    }

    /// nil when absent; an error when present but shorter than 4 bytes.
    func uint32<Kind: RawRepresentable>(_ kind: Kind) throws(NetlinkDecodingError) -> UInt32?
    where Kind.RawValue == UInt16 {
        guard let payload = payload(kind) else { return nil }
        guard let value = payload.hostUInt32(at: 0) else {
            throw NetlinkDecodingError(reason: "attribute \(kind.rawValue) has \(payload.count) bytes, expected 4")
        }
        return value
    }

    /// Text up to the first NUL (or the end, if the sender left it out);
    /// bytes that are not UTF-8 (an interface name may hold any) as `\xNN`,
    /// never U+FFFD, so two names differing only in them stay two names.
    func string<Kind: RawRepresentable>(_ kind: Kind) -> String? where Kind.RawValue == UInt16 {
        guard let payload = bytes(kind) else { return nil }
        return DeviceText.decode(payload).text
    }

    /// The bytes up to the first NUL (or the end).
    func bytes<Kind: RawRepresentable>(_ kind: Kind) -> ArraySlice<UInt8>? where Kind.RawValue == UInt16 {
        payload(kind).map { payload in payload.prefix { $0 != 0 } }
    }
}

extension InterfaceInfoHeader {
    init(decoding bytes: ArraySlice<UInt8>) throws(NetlinkDecodingError) {
        guard let family = bytes.byte(at: 0),
            let deviceType = bytes.hostUInt16(at: 2),
            let index = bytes.hostInt32(at: 4),
            let flags = bytes.hostUInt32(at: 8),
            let changeMask = bytes.hostUInt32(at: 12)
        else {
            throw NetlinkDecodingError(reason: "link message of \(bytes.count) bytes is too short for ifinfomsg")
        }
        self.init(family: family, deviceType: deviceType, index: index, flags: flags, changeMask: changeMask)
    }
}

extension InterfaceAddressHeader {
    init(decoding bytes: ArraySlice<UInt8>) throws(NetlinkDecodingError) {
        guard let family = bytes.byte(at: 0),
            let prefixLength = bytes.byte(at: 1),
            let flags = bytes.byte(at: 2),
            let scope = bytes.byte(at: 3),
            let index = bytes.hostUInt32(at: 4)
        else {
            throw NetlinkDecodingError(reason: "address message of \(bytes.count) bytes is too short for ifaddrmsg")
        }
        self.init(family: family, prefixLength: prefixLength, flags: flags, scope: scope, index: index)
    }
}

/// The body of an NLMSG_ERROR: errno (0 for a plain ACK) and, when the
/// socket has NETLINK_EXT_ACK, the kernel's explanation.
struct NetlinkErrorReply: Equatable {
    /// Positive errno, or 0 for success.
    var errno: Int32
    var extendedMessage: String?

    init(errno: Int32, extendedMessage: String?) {
        self.errno = errno
        self.extendedMessage = extendedMessage
    }

    init(decoding message: NetlinkMessage) throws(NetlinkDecodingError) {
        guard let code = message.payload.hostInt32(at: 0) else {
            throw NetlinkDecodingError(reason: "error message of \(message.payload.count) bytes has no error code")
        }
        // The kernel sends -errno; guard the one value whose negation traps.
        errno = code == Int32.min ? Int32.max : -code
        extendedMessage = Self.extendedMessage(in: message)
    }

    /// The TLVs follow the echoed request: its header only when the ACK is
    /// capped (NETLINK_CAP_ACK), the whole request otherwise. The text is a
    /// nicety, so anything malformed here is ignored rather than reported.
    private static func extendedMessage(in message: NetlinkMessage) -> String? {
        guard message.header.flags.contains(.errorHasTLVs) else { return nil }
        let echoStart = 4
        var echoedLength = NetlinkMessageHeader.size
        if !message.header.flags.contains(.errorCapped) {
            guard let requestLength = message.payload.hostUInt32(at: echoStart) else { return nil }
            echoedLength = NetlinkAlignment.aligned(Int(requestLength))
        }
        guard let tlvs = message.payload.suffix(fromOffset: echoStart + echoedLength),
            let attributes = try? NetlinkAttributes(decoding: tlvs),
            let text = attributes.string(ExtendedAckAttribute.message),
            !text.isEmpty
        else { return nil }
        return text
    }
}
