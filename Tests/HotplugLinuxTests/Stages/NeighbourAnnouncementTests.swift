import Foundation
import HotplugCore
import HotplugLinux
import TestSupport
import Testing

/// The link stage against the real kernel: a link given addresses gets
/// arp_notify and ndisc_notify before it comes up, so the far side hears a
/// gratuitous ARP without having asked; a rename-only link keeps the
/// defaults. Veths "an" + hex, the far end moved into a namespace "anf" + hex;
/// both removed by `defer` on every exit path.
@Suite(.needsRoot)
struct NeighbourAnnouncementTests {
    static func setting(_ family: String, _ interface: String, _ name: String) -> String? {
        (try? String(contentsOfFile: "/proc/sys/net/\(family)/conf/\(interface)/\(name)", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aLinkGivenAddressesAnnouncesThemAndTheFarSideLearnsWithoutAsking() throws {
        let veth = try VethPair(prefix: "an")
        defer { veth.delete() }
        let far = try NetworkNamespace(prefix: "anf")
        defer { far.delete() }
        veth.waitUntilUdevFinished()
        #expect(try Shell.ip("link", "set", veth.peer, "netns", far.name).status == 0)
        // The far side takes a gratuitous ARP for a neighbour it never asked
        // about (arp_accept), and sends nothing itself (no address, no traffic).
        try far.run("/sbin/sysctl", "-qw", "net.ipv4.conf.\(veth.peer).arp_accept=1")
        try far.run("/sbin/ip", "link", "set", veth.peer, "up")
        #expect(Self.setting("ipv4", veth.name, "arp_notify") == "0", "the kernel's default before the stage")

        let hasIPv6 = FileManager.default.fileExists(atPath: "/proc/sys/net/ipv6/conf/\(veth.name)")
        let addresses = [IPPrefix("10.254.25.1/30")!] + (hasIPv6 ? [IPPrefix("fd25:a::1/64")!] : [])
        let stage = LinkStage(kernel: try RouteNetlink(), takenNames: { [] })
        let request = LinkRequest(ifindex: nil, currentName: veth.name, settings: LinkSettings(addresses: addresses))
        #expect(stage.setUp(request) == .success(.link(interface: veth.name)))

        #expect(Self.setting("ipv4", veth.name, "arp_notify") == "1")
        if hasIPv6 { #expect(Self.setting("ipv6", veth.name, "ndisc_notify") == "1") }
        var learned = ""
        for _ in 0..<100 {
            learned = try far.run("/sbin/ip", "neigh", "show", "10.254.25.1", "dev", veth.peer).stdout
            if learned.contains("lladdr") { break }
            usleep(20_000)
        }
        #expect(learned.contains("lladdr") && (learned.contains("STALE") || learned.contains("REACHABLE")),
                "the far side learned our address from the gratuitous ARP: '\(learned)'")
    }

    @Test func aRenameOnlyLinkKeepsTheKernelsDefaults() throws {
        let veth = try VethPair(prefix: "an")
        defer { veth.delete() }
        veth.waitUntilUdevFinished()
        let target = VethPair.uniqueName(prefix: "anr")
        let settings = LinkSettings(name: try InterfaceNameTemplate(parsing: target))
        let stage = LinkStage(kernel: try RouteNetlink(), takenNames: { [] })
        let request = LinkRequest(ifindex: nil, currentName: veth.name, settings: settings)
        #expect(stage.setUp(request) == .success(.link(interface: target)))
        defer { _ = try? Shell.ip("link", "del", target) }
        #expect(Self.setting("ipv4", target, "arp_notify") == "0")
        if FileManager.default.fileExists(atPath: "/proc/sys/net/ipv6/conf/\(target)") {
            #expect(Self.setting("ipv6", target, "ndisc_notify") == "0")
        }
    }
}
