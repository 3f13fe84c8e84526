import HotplugLinux
import Testing
import TestSupport

/// The start-up scan that lists `/sys/class/SUBSYSTEM` itself against
/// libudev's own scan, on veth pairs made for the test.
@Suite(.needsRoot, .serialized)
struct UdevEnumeratorTests {
    @Test func listingTheClassDirectoryFindsWhatLibudevFinds() throws {
        let first = try VethPair(prefix: "uen")
        defer { first.delete() }
        let second = try VethPair(prefix: "uen")
        defer { second.delete() }
        let ours: Set<String> = [first.name, first.peer, second.name, second.peer]
        let context = try UdevContext()
        // Other users of the machine add and remove devices meanwhile: only
        // this test's are compared.
        let byLibudev = try UdevEnumerator.devices(context, subsystems: ["net"]).filter { ours.contains($0.sysname) }
        let byListing = try UdevEnumerator.devices(context, subsystems: ["net"], wanted: { _, _ in true })
            .filter { ours.contains($0.sysname) }
        #expect(byListing.map(\.syspath) == byLibudev.map(\.syspath))
        #expect(byListing.count == 4)
        #expect(byListing.allSatisfy { $0.subsystem == "net" })
    }

    @Test func leavesOutWhatIsNotWanted() throws {
        let veth = try VethPair(prefix: "uen")
        defer { veth.delete() }
        let context = try UdevContext()
        var asked: [String] = []
        let found = try UdevEnumerator.devices(context, subsystems: ["net"]) { subsystem, name in
            asked.append(subsystem + "/" + name)
            return name == veth.name
        }
        #expect(found.map(\.sysname) == [veth.name])
        #expect(found.first?.syspath == "/sys/devices/virtual/net/\(veth.name)")
        #expect(asked.contains("net/\(veth.peer)") && asked.contains("net/lo"))
    }

    @Test func aSubsystemWithoutAClassDirectoryIsScannedByLibudev() throws {
        let context = try UdevContext()
        // No /sys/class/hotplugd-none: libudev's scan, which finds nothing.
        let found = try UdevEnumerator.devices(context, subsystems: ["hotplugd-none"], wanted: { _, _ in true })
        #expect(found.isEmpty)
    }
}
