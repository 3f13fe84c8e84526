import Foundation
import HotplugLinux
import Testing
import TestSupport

/// The part of the gamelink binding umockdev cannot exercise: `[link]` goes
/// over rtnetlink, which umockdev does not fake, so a recorded usb0 cannot be
/// renamed or addressed (see `USBRunTests.linkSettingsFailOnARecordedInterface`).
/// Here the same `[link]` section as examples/gamelink.toml acts on a veth
/// standing in for the cable's interface.
@Suite(.needsUdevd, .serialized)
struct GamelinkLinkOnVethTests {
    @Test func gamelinkLinkSectionRenamesAndAddressesTheInterface() throws {
        try GamelinkInterfaceName.exclusively { try renamesAndAddresses() }
    }

    func renamesAndAddresses() throws {
        let fixture = try DaemonFixture(prefix: "gmv")
        defer { fixture.cleanUp() }
        let child = try fixture.script("child.sh", """
            trap 'echo "got TERM"; exit 0' TERM
            echo "argv:$*"
            sleep 600 & wait $!
            """)
        try fixture.bindings(["gamelink.toml": """
            [match]
            subsystem = "net"
            kernel = "gmv*"
            property.ID_NET_DRIVER = "veth"

            [link]
            name = "gamelink{n}"
            mtu = 1500
            addresses = ["10.42.0.1/24", "fd42::1/64"]
            up = true

            [exec]
            command = ["\(child)", "--interface", "{interface}"]
            stop-timeout = "2s"
            """])
        try fixture.start()
        let veth = try VethPair(prefix: "gmv")
        defer { veth.delete() }

        let renamed = try #require(fixture.waitForLog("renamed \(veth.name) to gamelink"))
        let name = try #require(renamed.split(separator: " ").last.map(String.init))
        #expect(fixture.waitForLog("argv:--interface \(name)") != nil)
        let netlink = try RouteNetlink()
        let link = try #require(try netlink.link(named: name))
        #expect(link.mtu == 1500)
        #expect(link.isUp)
        let addresses = try netlink.addresses(index: link.index).map(\.description)
        #expect(addresses.contains("10.42.0.1/24"))
        #expect(addresses.contains("fd42::1/64"))

        veth.delete()
        #expect(fixture.waitForLog("got TERM") != nil)
    }
}
