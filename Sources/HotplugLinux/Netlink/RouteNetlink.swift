import Glibc
import HotplugCore

/// Typed link and address operations over rtnetlink, the kernel interface
/// `ip link` / `ip addr` use, without shelling out or linking libmnl.
///
/// Owns one socket, closed when the object goes away. Not Sendable: replies
/// are matched to requests on a single socket, so use it from one thread.
///
/// Every request gives up after `requestTimeout` without an answer (ETIMEDOUT),
/// and `withTimeLimit` bounds several requests together.
public final class RouteNetlink {
    public static let defaultRequestTimeout: Duration = .seconds(1)

    private let socket: NetlinkSocket

    public init(requestTimeout: Duration = RouteNetlink.defaultRequestTimeout) throws(NetlinkError) {
        socket = try NetlinkSocket(protocol: NetlinkProtocol.route, requestTimeout: requestTimeout)
    }

    /// Runs `body` with every request in it bounded by one deadline, `limit`
    /// from now, besides each request's own timeout; once it has passed,
    /// nothing more is sent. The caller (the daemon's single loop) is then
    /// held for `limit` at most, however many requests `body` makes.
    /// `purpose` names them in the timeout error ("configuring a link").
    /// A limit inside another never ends later than the outer one.
    public func withTimeLimit<Result, Failure: Error>(
        _ limit: Duration, for purpose: String, _ body: () throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let outer = socket.timeLimit
        socket.timeLimit = NetlinkTimeLimit(limit, from: MonotonicClock.now(), for: purpose).earlier(outer)
        defer { socket.timeLimit = outer }
        return try body()
    }

    // MARK: Reading links

    /// The link with that name, or nil if there is none. The kernel also
    /// matches alternative names (`ip link property add altname`), so the
    /// returned `name` can differ from the one asked for.
    public func link(named name: String) throws(NetlinkError) -> LinkState? {
        // A name the kernel could never hold cannot belong to a link; asking
        // would only earn an EINVAL/ERANGE from attribute validation.
        let bytes = name.utf8
        guard !bytes.isEmpty, bytes.count <= InterfaceName.maximumLength, !bytes.contains(0) else { return nil }

        var request = NetlinkRequest(type: .getLink, flags: [.request, .acknowledge])
        request.append(InterfaceInfoHeader(index: 0))
        request.appendAttribute(LinkAttribute.interfaceName, string: name)
        request.appendAttribute(LinkAttribute.extendedFilterMask, uint32: ExtendedFilterMask.skipStatistics)
        return try fetchLink(request, operation: "look up link \(name)")
    }

    /// The link with that ifindex, or nil if there is none.
    public func link(index: Int32) throws(NetlinkError) -> LinkState? {
        // Index 0 would turn the request into a lookup by (missing) name.
        guard index > 0 else { return nil }

        var request = NetlinkRequest(type: .getLink, flags: [.request, .acknowledge])
        request.append(InterfaceInfoHeader(index: index))
        // Statistics are dropped because they are unused and would make the
        // reply needlessly large.
        request.appendAttribute(LinkAttribute.extendedFilterMask, uint32: ExtendedFilterMask.skipStatistics)
        return try fetchLink(request, operation: "look up link \(index)")
    }

    private func fetchLink(_ request: NetlinkRequest, operation: String) throws(NetlinkError) -> LinkState? {
        let replies: [NetlinkMessage]
        do throws(NetlinkError) {
            replies = try socket.performAcknowledged(request, operation: operation)
        } catch {
            if error.errno == ENODEV { return nil }
            throw error
        }
        guard let reply = replies.first(where: { $0.header.type == .newLink }) else {
            throw NetlinkError(
                operation: operation, errno: EBADMSG, detail: "the kernel acknowledged without sending the link")
        }
        do throws(NetlinkDecodingError) {
            return try LinkState(decodingLinkPayload: reply.payload)
        } catch {
            throw error.asNetlinkError(operation: operation)
        }
    }

    // MARK: Changing links

    /// Renames the link. Kernels before 6.2 refuse (EBUSY) to rename a link
    /// that is up, so do this before `setUp(index:_:)` with true.
    public func rename(index: Int32, to newName: String) throws(NetlinkError) {
        let describe = { (link: String) in "rename \(link) to \(newName)" }
        // Checked here so a bad name fails with the reason, not a bare EINVAL;
        // also keeps '%' from being expanded by the kernel into another name.
        if let reason = InterfaceName.validate(newName) {
            throw NetlinkError(operation: describe(nameForMessages(index)), errno: EINVAL, detail: reason)
        }
        var request = NetlinkRequest(type: .setLink, flags: [.request, .acknowledge])
        request.append(InterfaceInfoHeader(index: index))
        request.appendAttribute(LinkAttribute.interfaceName, string: newName)
        try changeLink(index: index, request, describe: describe)
    }

    public func setMTU(index: Int32, _ mtu: UInt32) throws(NetlinkError) {
        var request = NetlinkRequest(type: .setLink, flags: [.request, .acknowledge])
        request.append(InterfaceInfoHeader(index: index))
        request.appendAttribute(LinkAttribute.mtu, uint32: mtu)
        try changeLink(index: index, request) { link in "set MTU of \(link) to \(mtu)" }
    }

    /// Sets or clears IFF_UP (administrative state, like `ip link set up/down`).
    public func setUp(index: Int32, _ up: Bool) throws(NetlinkError) {
        var request = NetlinkRequest(type: .setLink, flags: [.request, .acknowledge])
        // The change mask limits the update to IFF_UP; other flags stay as they are.
        request.append(
            InterfaceInfoHeader(index: index, flags: up ? InterfaceFlag.up : 0, changeMask: InterfaceFlag.up))
        try changeLink(index: index, request) { link in "set \(link) \(up ? "up" : "down")" }
    }

    // MARK: Addresses

    /// Adds an address. Adding an address the link already has with the same
    /// prefix length succeeds, so the call can be repeated safely.
    public func addAddress(index: Int32, _ prefix: IPPrefix) throws(NetlinkError) {
        let describe = { (link: String) in "add address \(prefix) to \(link)" }
        // IPPrefix's fields are public and mutable, so re-check the invariants
        // before they become a malformed request.
        guard prefix.address.count == prefix.family.addressLength,
            prefix.prefixLength <= prefix.family.maximumPrefixLength
        else {
            throw NetlinkError(
                operation: describe("link \(index)"), errno: EINVAL,
                detail:
                    "\(prefix.address.count) address bytes or prefix length \(prefix.prefixLength) misfit the family")
        }

        let isIPv6 = prefix.family == .ipv6
        var request = NetlinkRequest(type: .newAddress, flags: [.request, .acknowledge, .create, .exclusive])
        request.append(
            InterfaceAddressHeader(
                family: isIPv6 ? AddressFamily.ipv6 : AddressFamily.ipv4,
                prefixLength: prefix.prefixLength,
                // IFA_F_NODAD: use the IPv6 address at once instead of leaving it
                // "tentative" for the ~1 s of duplicate address detection. The
                // links configured here are point-to-point style links we own, and
                // tests should not have to wait for DAD.
                flags: isIPv6 ? InterfaceAddressFlag.noDuplicateAddressDetection : 0,
                index: UInt32(bitPattern: index)
            )
        )
        // IFA_LOCAL is the interface's own address; IFA_ADDRESS the same value
        // because there is no point-to-point peer (this is what `ip addr add` sends).
        request.appendAttribute(AddressAttribute.local, bytes: prefix.address)
        request.appendAttribute(AddressAttribute.address, bytes: prefix.address)
        if let broadcast = Self.ipv4Broadcast(of: prefix) {
            request.appendAttribute(AddressAttribute.broadcast, bytes: broadcast)
        }

        do throws(NetlinkError) {
            try changeLink(index: index, request, describe: describe)
        } catch {
            // EEXIST also comes back for the same IPv6 address with another
            // prefix length, which is not the requested state: only an
            // identical address counts as success.
            if error.errno == EEXIST, (try? addresses(index: index))?.contains(prefix) == true {
                return
            }
            throw error
        }
    }

    /// All IPv4 and IPv6 addresses of the link, including kernel-added ones
    /// such as the IPv6 link-local address.
    public func addresses(index: Int32) throws(NetlinkError) -> [IPPrefix] {
        var request = NetlinkRequest(type: .getAddress, flags: [.request, .dump])
        // With NETLINK_GET_STRICT_CHK the kernel filters by index itself;
        // without it the index is ignored, so the replies are filtered below too.
        request.append(
            InterfaceAddressHeader(family: AddressFamily.unspecified, prefixLength: 0, index: UInt32(bitPattern: index))
        )

        let operation = "list addresses of link \(index)"
        let messages: [NetlinkMessage]
        do throws(NetlinkError) {
            messages = try socket.performDump(request, operation: operation)
        } catch {
            throw error.isTimeout ? error : error.withOperation("list addresses of \(nameForMessages(index))")
        }

        var prefixes: [IPPrefix] = []
        for message in messages where message.header.type == .newAddress {
            do throws(NetlinkDecodingError) {
                if let (addressIndex, prefix) = try Self.decodeAddress(message.payload),
                    addressIndex == UInt32(bitPattern: index)
                {
                    prefixes.append(prefix)
                }
            } catch {
                throw error.asNetlinkError(operation: operation)
            }
        }
        return prefixes
    }

    /// Decodes a RTM_NEWADDR payload. Returns nil for families other than
    /// IPv4/IPv6, which this layer does not model.
    static func decodeAddress(_ payload: ArraySlice<UInt8>) throws(NetlinkDecodingError) -> (
        index: UInt32, prefix: IPPrefix
    )? {
        let header = try InterfaceAddressHeader(decoding: payload)
        guard header.family == AddressFamily.ipv4 || header.family == AddressFamily.ipv6 else { return nil }
        guard let attributeBytes = payload.suffix(fromOffset: InterfaceAddressHeader.encodedSize) else {
            throw NetlinkDecodingError(reason: "address message ends inside ifaddrmsg")
        }
        let attributes = try NetlinkAttributes(decoding: attributeBytes)
        // IFA_LOCAL is our side; IFA_ADDRESS is the peer on point-to-point
        // links and equals IFA_LOCAL elsewhere (IPv6 often sends only IFA_ADDRESS).
        guard let bytes = attributes.payload(AddressAttribute.local) ?? attributes.payload(AddressAttribute.address)
        else {
            throw NetlinkDecodingError(reason: "address on link \(header.index) has neither IFA_LOCAL nor IFA_ADDRESS")
        }
        let expectedLength = header.family == AddressFamily.ipv4 ? 4 : 16
        guard bytes.count == expectedLength,
            let prefix = IPPrefix(address: Array(bytes), prefixLength: header.prefixLength)
        else {
            throw NetlinkDecodingError(
                reason:
                    "address on link \(header.index) has \(bytes.count) bytes and prefix length \(header.prefixLength)")
        }
        return (header.index, prefix)
    }

    /// Broadcast address (host bits all ones) for IPv4 prefixes up to /30.
    /// The kernel does not derive it by itself, and LAN discovery relies on
    /// subnet broadcasts. /31 and /32 have no broadcast address (RFC 3021).
    static func ipv4Broadcast(of prefix: IPPrefix) -> [UInt8]? {
        guard prefix.family == .ipv4, prefix.address.count == 4, prefix.prefixLength <= 30 else { return nil }
        let address = prefix.address.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let hostMask = prefix.prefixLength == 0 ? UInt32.max : (UInt32.max >> UInt32(prefix.prefixLength))
        let broadcast = address | hostMask
        return [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: broadcast >> UInt32($0)) }
    }

    // MARK: Helpers

    /// Sends a change request and, if it fails, names the link in the error.
    private func changeLink(
        index: Int32, _ request: NetlinkRequest, describe: (String) -> String
    ) throws(NetlinkError) {
        do throws(NetlinkError) {
            _ = try socket.performAcknowledged(request, operation: describe("link \(index)"))
        } catch {
            throw error.isTimeout ? error : error.withOperation(describe(nameForMessages(index)))
        }
    }

    /// The link's current name for an error message, looked up only after a
    /// failure so the successful path stays one round trip. Not after a
    /// timeout: a kernel that did not answer would only keep us waiting again.
    private func nameForMessages(_ index: Int32) -> String {
        if let link = try? link(index: index) {
            return link.name
        }
        return "link \(index)"
    }
}

extension NetlinkError {
    func withOperation(_ operation: String) -> NetlinkError {
        var renamed = self
        renamed.operation = operation
        return renamed
    }
}
