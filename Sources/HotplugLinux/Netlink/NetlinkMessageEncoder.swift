// Building netlink requests as bytes: a 16-byte nlmsghdr, one fixed family
// header (ifinfomsg or ifaddrmsg), then rtattrs, each padded to 4 bytes.
//
// Netlink is host byte order. Values are written through `.littleEndian` and
// emitted lowest byte first, which yields host order on any host.

/// Netlink aligns every message and attribute to 4 bytes (NLMSG_ALIGNTO, RTA_ALIGNTO).
enum NetlinkAlignment {
    static let boundary = 4

    static func aligned(_ length: Int) -> Int {
        (length + boundary - 1) & ~(boundary - 1)
    }
}

/// Appends host-order integers and raw bytes to a growing buffer.
struct NetlinkByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func append(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func append(_ value: UInt16) {
        let ordered = value.littleEndian
        bytes.append(UInt8(truncatingIfNeeded: ordered))
        bytes.append(UInt8(truncatingIfNeeded: ordered >> 8))
    }

    mutating func append(_ value: UInt32) {
        let ordered = value.littleEndian
        for shift in stride(from: 0, to: 32, by: 8) {
            bytes.append(UInt8(truncatingIfNeeded: ordered >> UInt32(shift)))
        }
    }

    mutating func append(_ value: Int32) {
        append(UInt32(bitPattern: value))
    }

    mutating func append(contentsOf raw: some Collection<UInt8>) {
        bytes.append(contentsOf: raw)
    }

    mutating func padToAlignment() {
        let padding = NetlinkAlignment.aligned(bytes.count) - bytes.count
        bytes.append(contentsOf: repeatElement(0, count: padding))
    }

    /// Overwrites 4 bytes at `offset`; used to patch the length and sequence
    /// into the header once the message is complete.
    mutating func overwrite(_ value: UInt32, at offset: Int) {
        let ordered = value.littleEndian
        for index in 0..<4 where offset + index < bytes.count {
            bytes[offset + index] = UInt8(truncatingIfNeeded: ordered >> UInt32(index * 8))
        }
    }
}

/// A fixed-size header that follows nlmsghdr in a family's messages.
protocol NetlinkFamilyHeader {
    static var encodedSize: Int { get }
    func encode(into writer: inout NetlinkByteWriter)
}

/// `struct ifinfomsg` (16 bytes): the link a RTM_*LINK message is about.
struct InterfaceInfoHeader: NetlinkFamilyHeader, Equatable {
    static let encodedSize = 16

    var family: UInt8 = AddressFamily.unspecified
    var deviceType: UInt16 = 0  // ARPHRD_*, only meaningful in replies
    var index: Int32
    var flags: UInt32 = 0  // IFF_*
    /// Which bits of `flags` a SETLINK should change; the kernel leaves the others alone.
    var changeMask: UInt32 = 0

    func encode(into writer: inout NetlinkByteWriter) {
        writer.append(family)
        writer.append(UInt8(0))  // ifi_pad; strict checking rejects non-zero
        writer.append(deviceType)
        writer.append(index)
        writer.append(flags)
        writer.append(changeMask)
    }
}

/// `struct ifaddrmsg` (8 bytes): family, prefix and link of a RTM_*ADDR message.
struct InterfaceAddressHeader: NetlinkFamilyHeader, Equatable {
    static let encodedSize = 8

    var family: UInt8
    var prefixLength: UInt8
    var flags: UInt8 = 0  // IFA_F_*
    var scope: UInt8 = 0  // RT_SCOPE_UNIVERSE
    var index: UInt32

    func encode(into writer: inout NetlinkByteWriter) {
        writer.append(family)
        writer.append(prefixLength)
        writer.append(flags)
        writer.append(scope)
        writer.append(index)
    }
}

/// One request under construction. The length and sequence number are filled
/// in by `encoded(sequence:)` when the socket sends it.
struct NetlinkRequest {
    static let headerSize = 16  // sizeof(struct nlmsghdr)
    static let attributeHeaderSize = 4  // sizeof(struct rtattr)

    let type: NetlinkMessageType
    let flags: NetlinkMessageFlags
    private var writer = NetlinkByteWriter()

    init(type: NetlinkMessageType, flags: NetlinkMessageFlags) {
        self.type = type
        self.flags = flags
        writer.append(UInt32(0))  // nlmsg_len, patched later
        writer.append(type.rawValue)
        writer.append(flags.rawValue)
        writer.append(UInt32(0))  // nlmsg_seq, patched later
        writer.append(UInt32(0))  // nlmsg_pid: 0 is fine, the kernel identifies us by socket
    }

    mutating func append(_ header: some NetlinkFamilyHeader) {
        header.encode(into: &writer)
        writer.padToAlignment()
    }

    mutating func appendAttribute<Kind: RawRepresentable>(_ kind: Kind, bytes payload: [UInt8])
    where Kind.RawValue == UInt16 {
        writer.append(UInt16(truncatingIfNeeded: Self.attributeHeaderSize + payload.count))  // rta_len excludes padding
        writer.append(kind.rawValue)
        writer.append(contentsOf: payload)
        writer.padToAlignment()
    }

    mutating func appendAttribute<Kind: RawRepresentable>(_ kind: Kind, uint32 value: UInt32)
    where Kind.RawValue == UInt16 {
        var payload = NetlinkByteWriter()
        payload.append(value)
        appendAttribute(kind, bytes: payload.bytes)
    }

    /// NUL-terminated, as the kernel's NLA_STRING/NLA_NUL_STRING policies expect.
    mutating func appendAttribute<Kind: RawRepresentable>(_ kind: Kind, string value: String)
    where Kind.RawValue == UInt16 {
        appendAttribute(kind, bytes: Array(value.utf8) + [0])
    }

    func encoded(sequence: UInt32) -> [UInt8] {
        var message = writer
        message.overwrite(UInt32(truncatingIfNeeded: message.bytes.count), at: 0)
        message.overwrite(sequence, at: 8)
        return message.bytes
    }
}
