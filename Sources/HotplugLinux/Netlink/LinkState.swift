/// What the kernel reports about one network interface.
public struct LinkState: Sendable, Equatable {
    public var index: Int32
    public var name: String
    public var mtu: UInt32
    /// IFF_UP: administratively up. Says nothing about carrier.
    public var isUp: Bool
    /// Hardware address as lowercase colon-separated hex ("02:00:5e:10:00:01"),
    /// nil for links that have none (e.g. tun, wireguard).
    public var mac: String?

    public init(index: Int32, name: String, mtu: UInt32, isUp: Bool, mac: String?) {
        self.index = index
        self.name = name
        self.mtu = mtu
        self.isUp = isUp
        self.mac = mac
    }
}

extension LinkState {
    /// Decodes the payload of a RTM_NEWLINK message (ifinfomsg + IFLA_* attributes).
    init(decodingLinkPayload payload: ArraySlice<UInt8>) throws(NetlinkDecodingError) {
        let header = try InterfaceInfoHeader(decoding: payload)
        guard let attributeBytes = payload.suffix(fromOffset: InterfaceInfoHeader.encodedSize) else {
            throw NetlinkDecodingError(reason: "link message ends inside ifinfomsg")
        }
        let attributes = try NetlinkAttributes(decoding: attributeBytes)
        guard let name = attributes.string(LinkAttribute.interfaceName) else {
            throw NetlinkDecodingError(reason: "link \(header.index) has no IFLA_IFNAME")
        }
        guard let mtu = try attributes.uint32(LinkAttribute.mtu) else {
            throw NetlinkDecodingError(reason: "link \(header.index) has no IFLA_MTU")
        }
        let hardwareAddress = attributes.payload(LinkAttribute.address)
        self.init(
            index: header.index,
            name: name,
            mtu: mtu,
            isUp: header.flags & InterfaceFlag.up != 0,
            mac: hardwareAddress.flatMap(Self.formatHardwareAddress)
        )
    }

    private static func formatHardwareAddress(_ bytes: ArraySlice<UInt8>) -> String? {
        guard !bytes.isEmpty else { return nil }
        return bytes.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":")
    }
}
