// Numbers from the kernel's uapi headers (linux/netlink.h, linux/rtnetlink.h,
// linux/if_link.h, linux/if_addr.h). They are stable kernel ABI; they are
// spelled out here because Swift's Glibc module does not import those headers.

/// `nlmsg_type` values: the generic netlink control messages plus the
/// rtnetlink requests this module uses. Kept open (a struct, not an enum)
/// because the kernel may send types this code does not know.
struct NetlinkMessageType: RawRepresentable, Hashable, Sendable {
    var rawValue: UInt16

    static let noop = NetlinkMessageType(rawValue: 1)  // NLMSG_NOOP
    static let error = NetlinkMessageType(rawValue: 2)  // NLMSG_ERROR (also the ACK)
    static let done = NetlinkMessageType(rawValue: 3)  // NLMSG_DONE
    static let overrun = NetlinkMessageType(rawValue: 4)  // NLMSG_OVERRUN

    static let newLink = NetlinkMessageType(rawValue: 16)  // RTM_NEWLINK
    static let getLink = NetlinkMessageType(rawValue: 18)  // RTM_GETLINK
    static let setLink = NetlinkMessageType(rawValue: 19)  // RTM_SETLINK
    static let newAddress = NetlinkMessageType(rawValue: 20)  // RTM_NEWADDR
    static let getAddress = NetlinkMessageType(rawValue: 22)  // RTM_GETADDR
}

/// `nlmsg_flags`. Several bits mean different things depending on the
/// message type (GET vs NEW vs ERROR); the names say which.
struct NetlinkMessageFlags: OptionSet, Sendable {
    var rawValue: UInt16

    static let request = NetlinkMessageFlags(rawValue: 0x01)  // NLM_F_REQUEST
    static let multipart = NetlinkMessageFlags(rawValue: 0x02)  // NLM_F_MULTI
    static let acknowledge = NetlinkMessageFlags(rawValue: 0x04)  // NLM_F_ACK
    static let dumpInterrupted = NetlinkMessageFlags(rawValue: 0x10)  // NLM_F_DUMP_INTR

    // GET requests
    static let dump = NetlinkMessageFlags(rawValue: 0x300)  // NLM_F_ROOT | NLM_F_MATCH

    // NEW requests
    static let exclusive = NetlinkMessageFlags(rawValue: 0x200)  // NLM_F_EXCL
    static let create = NetlinkMessageFlags(rawValue: 0x400)  // NLM_F_CREATE

    // NLMSG_ERROR replies
    static let errorCapped = NetlinkMessageFlags(rawValue: 0x100)  // NLM_F_CAPPED
    static let errorHasTLVs = NetlinkMessageFlags(rawValue: 0x200)  // NLM_F_ACK_TLVS
}

/// `IFLA_*` attributes of RTM_*LINK messages.
enum LinkAttribute: UInt16 {
    case address = 1  // IFLA_ADDRESS (hardware address)
    case interfaceName = 3  // IFLA_IFNAME
    case mtu = 4  // IFLA_MTU
    case extendedFilterMask = 29  // IFLA_EXT_MASK
}

/// `IFA_*` attributes of RTM_*ADDR messages.
enum AddressAttribute: UInt16 {
    case address = 1  // IFA_ADDRESS (the peer on point-to-point links)
    case local = 2  // IFA_LOCAL
    case broadcast = 4  // IFA_BROADCAST
}

/// `NLMSGERR_ATTR_*` attributes trailing an NLMSG_ERROR with NLM_F_ACK_TLVS.
enum ExtendedAckAttribute: UInt16 {
    case message = 1  // NLMSGERR_ATTR_MSG, human-readable reason
}

/// The third argument of socket(AF_NETLINK, ...): which kernel subsystem answers.
enum NetlinkProtocol {
    static let route: Int32 = 0  // NETLINK_ROUTE
}

enum NetlinkSocketOption {
    static let level: Int32 = 270  // SOL_NETLINK
    static let capAcknowledgement: Int32 = 10  // NETLINK_CAP_ACK
    static let extendedAcknowledgement: Int32 = 11  // NETLINK_EXT_ACK
    static let strictChecking: Int32 = 12  // NETLINK_GET_STRICT_CHK
}

enum InterfaceFlag {
    static let up: UInt32 = 0x1  // IFF_UP
}

enum InterfaceAddressFlag {
    static let noDuplicateAddressDetection: UInt8 = 0x02  // IFA_F_NODAD
}

enum ExtendedFilterMask {
    static let skipStatistics: UInt32 = 1 << 3  // RTEXT_FILTER_SKIP_STATS
}

enum AddressFamily {
    static let unspecified: UInt8 = 0  // AF_UNSPEC
    static let ipv4: UInt8 = 2  // AF_INET
    static let ipv6: UInt8 = 10  // AF_INET6
    static let netlink: UInt16 = 16  // AF_NETLINK
}
