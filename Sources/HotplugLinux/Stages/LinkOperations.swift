import HotplugCore

/// The kernel operations the link stage needs: the seam that lets tests
/// check the order of link actions (down, rename, up) without root, and
/// stand in for a kernel that fails or never answers.
public protocol LinkOperations {
    /// Runs `body` with every request in it bounded by one deadline, so a
    /// kernel that does not answer cannot hold the event loop.
    func withTimeLimit<Result, Failure: Error>(
        _ limit: Duration, for purpose: String, _ body: () throws(Failure) -> Result
    ) throws(Failure) -> Result
    func link(index: Int32) throws(NetlinkError) -> LinkState?
    func link(named name: String) throws(NetlinkError) -> LinkState?
    func setUp(index: Int32, _ up: Bool) throws(NetlinkError)
    func rename(index: Int32, to newName: String) throws(NetlinkError)
    func setMTU(index: Int32, _ mtu: UInt32) throws(NetlinkError)
    func addresses(index: Int32) throws(NetlinkError) -> [IPPrefix]
    func addAddress(index: Int32, _ prefix: IPPrefix) throws(NetlinkError)
    /// Has the kernel announce the interface's IPv4 addresses when it comes
    /// up (arp_notify) and its IPv6 ones when their DAD completes
    /// (ndisc_notify). Best effort, see `NeighbourAnnouncement`.
    func announceAddresses(interface: String, ipv4: Bool, ipv6: Bool)
}

extension RouteNetlink: LinkOperations {
    public func announceAddresses(interface: String, ipv4: Bool, ipv6: Bool) {
        NeighbourAnnouncement.enable(interface: interface, ipv4: ipv4, ipv6: ipv6)
    }
}
