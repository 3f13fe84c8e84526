/// What `check` can know about `[link]` before any device is plugged: values
/// the kernel refuses, or takes and then ignores, so `run` would fail later.
enum LinkChecks {
    /// Why `prefix` cannot be an address of the link, or nil.
    static func addressProblem(_ prefix: IPPrefix) -> String? {
        let address = prefix.address
        if address.allSatisfy({ $0 == 0 }) {
            return "'\(prefix)' is the unspecified address, which no interface can have; write the link's own address"
        }
        if prefix.prefixLength == 0 {
            return "'\(prefix)' has prefix length 0, which would put every address on this link; give the subnet's length, e.g. /24 or /64"
        }
        switch prefix.family {
        case .ipv4:
            if (224...239).contains(address[0]) {
                return "'\(prefix)' is a multicast address (224.0.0.0/4); a link's own address is unicast (join groups from the program instead)"
            }
            if address.allSatisfy({ $0 == 255 }) {
                return "'\(prefix)' is the broadcast address; write the link's own address"
            }
        case .ipv6:
            if address[0] == 0xff {
                return "'\(prefix)' is a multicast address (ff00::/8); a link's own address is unicast (join groups from the program instead)"
            }
        }
        return nil
    }

    /// The kernel turns IPv6 off on a link whose MTU is below 1280 (RFC
    /// 8200's minimum), so its IPv6 addresses could never be added.
    static func mtuProblem(_ settings: LinkSettings) -> String? {
        guard let mtu = settings.mtu, mtu < 1280,
              let address = settings.addresses.first(where: { $0.family == .ipv6 }) else { return nil }
        return "mtu \(mtu) is below 1280, the least IPv6 needs: the kernel disables IPv6 on the link, so '\(address)' could not be added; raise mtu or drop the IPv6 address"
    }
}
