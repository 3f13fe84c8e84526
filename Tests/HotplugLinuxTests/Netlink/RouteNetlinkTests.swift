import Glibc
import HotplugCore
import HotplugLinux
import TestSupport
import Testing

/// RouteNetlink against real veth pairs, one per test ("nlt" + random hex).
/// Each pair is deleted by `defer` on every exit path; VethPair.delete()
/// removes the peer, which takes a renamed end with it.
@Suite(.needsRoot)
struct RouteNetlinkTests {
    @Test func looksUpLinkByNameAndIndex() throws {
        let veth = try VethPair(prefix: "nlt")
        defer { veth.delete() }
        // udevd may still set the new veth's MAC between the two reads below.
        veth.waitUntilUdevFinished()
        let netlink = try RouteNetlink()

        let byName = try #require(try netlink.link(named: veth.name))
        #expect(byName.name == veth.name)
        #expect(byName.index > 0)
        #expect(byName.mtu == 1500)
        #expect(!byName.isUp)
        let mac = try #require(byName.mac)
        #expect(mac.count == 17 && mac.split(separator: ":").count == 6, "unexpected MAC \(mac)")
        #expect(mac == mac.lowercased())

        #expect(try netlink.link(index: byName.index) == byName)
        let peer = try #require(try netlink.link(named: veth.peer))
        #expect(peer.index != byName.index)
    }

    @Test func missingLinksAreNil() throws {
        let netlink = try RouteNetlink()
        #expect(try netlink.link(named: VethPair.uniqueName(prefix: "nlt")) == nil)
        #expect(try netlink.link(named: "") == nil)
        #expect(try netlink.link(named: "this-name-is-too-long") == nil)
        #expect(try netlink.link(index: Int32.max) == nil)
        #expect(try netlink.link(index: 0) == nil)
        #expect(try netlink.link(index: -1) == nil)
    }

    @Test func renamesDownLinkAndReadsItBack() throws {
        let veth = try VethPair(prefix: "nlt")
        defer { veth.delete() }
        let netlink = try RouteNetlink()
        let index = try #require(try netlink.link(named: veth.name)).index
        let newName = VethPair.uniqueName(prefix: "nlt")

        try netlink.rename(index: index, to: newName)
        #expect(try netlink.link(index: index)?.name == newName)
        #expect(try netlink.link(named: newName)?.index == index)
        #expect(try netlink.link(named: veth.name) == nil)
        // Renaming to the current name is a no-op, not an error.
        try netlink.rename(index: index, to: newName)
    }

    @Test func renameToExistingNameFailsWithEEXIST() throws {
        let veth = try VethPair(prefix: "nlt")
        defer { veth.delete() }
        let netlink = try RouteNetlink()
        let index = try #require(try netlink.link(named: veth.name)).index

        let error = try #require(throws: NetlinkError.self) {
            try netlink.rename(index: index, to: veth.peer)
        }
        #expect(error.errno == EEXIST)
        #expect(error.operation == "rename \(veth.name) to \(veth.peer)")
        #expect(error.description.hasPrefix("rename \(veth.name) to \(veth.peer): File exists"))
        #expect(try netlink.link(index: index)?.name == veth.name)
    }

    @Test func renameToInvalidNameIsRefusedWithReason() throws {
        let veth = try VethPair(prefix: "nlt")
        defer { veth.delete() }
        let netlink = try RouteNetlink()
        let index = try #require(try netlink.link(named: veth.name)).index

        let error = try #require(throws: NetlinkError.self) {
            try netlink.rename(index: index, to: "bad/name")
        }
        #expect(error.errno == EINVAL)
        #expect(
            error.description
                == "rename \(veth.name) to bad/name: Invalid argument (interface name 'bad/name' contains '/')")
        #expect(try netlink.link(index: index)?.name == veth.name)
    }

    @Test func setsMTUAndReadsItBack() throws {
        let veth = try VethPair(prefix: "nlt")
        defer { veth.delete() }
        let netlink = try RouteNetlink()
        let index = try #require(try netlink.link(named: veth.name)).index

        try netlink.setMTU(index: index, 1400)
        #expect(try netlink.link(index: index)?.mtu == 1400)

        // Below the minimum of 68: the kernel refuses and the MTU stays.
        let error = try #require(throws: NetlinkError.self) {
            try netlink.setMTU(index: index, 10)
        }
        #expect(error.errno == EINVAL)
        #expect(error.operation == "set MTU of \(veth.name) to 10")
        #expect(try netlink.link(index: index)?.mtu == 1400)
    }

    @Test func operationsOnMissingLinkNameTheIndex() throws {
        let netlink = try RouteNetlink()
        let error = try #require(throws: NetlinkError.self) {
            try netlink.setMTU(index: Int32.max, 1400)
        }
        #expect(error.errno == ENODEV)
        #expect(error.operation == "set MTU of link \(Int32.max) to 1400")
    }

    @Test func addsAddressesIdempotentlyAndReadsThemBack() throws {
        let veth = try VethPair(prefix: "nlt")
        defer { veth.delete() }
        let netlink = try RouteNetlink()
        let index = try #require(try netlink.link(named: veth.name)).index
        // Test-only addresses on a veth that stays down with its peer down:
        // nothing is routed or sent anywhere.
        let ipv4 = try #require(IPPrefix("10.250.\(Int.random(in: 0...255)).\(Int.random(in: 1...254))/24"))
        let ipv6 = try #require(IPPrefix("fd00:250::1/64"))

        try netlink.addAddress(index: index, ipv4)
        try netlink.addAddress(index: index, ipv6)
        let first = try netlink.addresses(index: index)
        #expect(first.contains(ipv4))
        #expect(first.contains(ipv6))

        // Same again: the kernel's EEXIST is taken as success.
        try netlink.addAddress(index: index, ipv4)
        try netlink.addAddress(index: index, ipv6)
        let second = try netlink.addresses(index: index)
        #expect(second.filter { $0 == ipv4 }.count == 1)
        #expect(second.filter { $0 == ipv6 }.count == 1)

        // The peer has none of them: results are filtered by index.
        let peerIndex = try #require(try netlink.link(named: veth.peer)).index
        let peerAddresses = try netlink.addresses(index: peerIndex)
        #expect(!peerAddresses.contains(ipv4) && !peerAddresses.contains(ipv6))
    }

    @Test func sameIPv6AddressWithOtherPrefixLengthIsAnError() throws {
        let veth = try VethPair(prefix: "nlt")
        defer { veth.delete() }
        let netlink = try RouteNetlink()
        let index = try #require(try netlink.link(named: veth.name)).index
        let shortPrefix = try #require(IPPrefix("fd00:250::1/64"))
        let longPrefix = try #require(IPPrefix("fd00:250::1/80"))

        try netlink.addAddress(index: index, shortPrefix)
        let error = try #require(throws: NetlinkError.self) {
            try netlink.addAddress(index: index, longPrefix)
        }
        #expect(error.errno == EEXIST)
        #expect(error.operation == "add address fd00:250::1/80 to \(veth.name)")
    }

    @Test func setsLinkUpAndDown() throws {
        let veth = try VethPair(prefix: "nlt")
        defer { veth.delete() }
        // udevd may still set the MAC address; compare once it is done.
        #expect(veth.waitUntilUdevFinished())
        let netlink = try RouteNetlink()
        let before = try #require(try netlink.link(named: veth.name))

        try netlink.setUp(index: before.index, true)
        let up = try #require(try netlink.link(index: before.index))
        #expect(up.isUp)
        // Only IFF_UP changed.
        #expect(up.name == before.name && up.mtu == before.mtu && up.mac == before.mac)

        try netlink.setUp(index: before.index, false)
        #expect(try netlink.link(index: before.index)?.isUp == false)
    }
}
