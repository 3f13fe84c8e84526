import Foundation
import HotplugCore
@testable import HotplugLinux
import Testing
import TestSupport

/// The re-enumeration's scan (`ClassRescan`) on veth pairs made for the
/// test: what it hands back unread, what it reads, and what it finds by
/// ifindex after a rename nobody told it of.
@Suite(.needsRoot, .serialized)
struct ClassRescanTests {
    typealias Tracked = (identity: DeviceIdentity, facts: DeviceFacts)

    static func tracked(_ name: String, _ context: UdevContext) throws -> Tracked {
        let facts = try DeviceLookup.find(name, in: context).facts(needs: .nothing)
        return (facts.identity, facts)
    }

    /// The entries for the test's own interfaces: other users of the
    /// machine add and remove devices meanwhile.
    static func rescan(_ context: UdevContext, _ tracked: [Tracked], wanted: Set<String> = [],
                       ours: Set<String>) throws -> [ClassRescan.Entry] {
        let entries = try #require(ClassRescan.present(
            context, subsystems: ["net"], initializedOnly: false, tracked: tracked,
            wanted: { _, name in wanted.contains(name) },
            kernelName: { InterfaceNames.current(ofIndex: $0).flatMap { String(validating: $0, as: UTF8.self) } }))
        return entries.filter { ours.contains(String($0.syspath.split(separator: "/").last ?? "")) }
    }

    static func ifindex(_ entry: ClassRescan.Entry) -> Int32? {
        switch entry {
        case .unchanged(let facts): facts.ifindex
        case .device(let device): device.property("IFINDEX").flatMap { Int32($0) }
        }
    }

    @Test func aTrackedDeviceWhereItWasIsHandedBackUnreadAndNothingElseIsRead() throws {
        let veth = try VethPair(prefix: "crs")
        defer { veth.delete() }
        let context = try UdevContext()
        let kept = try Self.tracked(veth.name, context)
        let entries = try Self.rescan(context, [kept], ours: [veth.name, veth.peer])
        #expect(entries.count == 1, "the peer, neither tracked nor wanted, is left out")
        guard case .unchanged(let facts) = entries.first else {
            Issue.record("the tracked device was read again: \(entries.map(\.syspath))")
            return
        }
        #expect(facts == kept.facts)
    }

    @Test func aWantedNameIsRead() throws {
        let veth = try VethPair(prefix: "crs")
        defer { veth.delete() }
        let context = try UdevContext()
        let entries = try Self.rescan(context, [], wanted: [veth.peer], ours: [veth.name, veth.peer])
        #expect(entries.map(\.syspath) == ["/sys/devices/virtual/net/\(veth.peer)"])
        if case .unchanged = entries.first { Issue.record("an untracked device handed back unread") }
    }

    @Test func aTrackedDeviceRenamedByAnotherIsFoundByItsIfindex() throws {
        let veth = try VethPair(prefix: "crs")
        let renamed = VethPair.uniqueName(prefix: "crz")
        defer {
            veth.delete()
            deleteInterfaces(withPrefix: renamed)
        }
        let context = try UdevContext()
        let kept = try Self.tracked(veth.name, context)
        #expect(try Shell.ip("link", "set", veth.name, "name", renamed).status == 0)
        let entries = try Self.rescan(context, [kept], ours: [veth.name, veth.peer, renamed])
        #expect(entries.map(\.syspath) == ["/sys/devices/virtual/net/\(renamed)"])
        #expect(entries.first.flatMap(Self.ifindex) == kept.identity.ifindex)
    }

    @Test func aDeviceAddedAgainUnderATrackedNameIsReadAsAnother() throws {
        let veth = try VethPair(prefix: "crs")
        defer {
            veth.delete()
            deleteInterfaces(withPrefix: veth.name)
        }
        let context = try UdevContext()
        let kept = try Self.tracked(veth.name, context)
        veth.delete()
        #expect(try Shell.ip("link", "add", veth.name, "type", "veth", "peer", "name", veth.peer).status == 0)
        let entries = try Self.rescan(context, [kept], ours: [veth.name, veth.peer])
        #expect(entries.count == 1)
        guard case .device(let device) = entries.first else {
            Issue.record("the new device under the old name was taken for the old one")
            return
        }
        #expect(device.sysname == veth.name)
        #expect(Self.ifindex(.device(device)) != kept.identity.ifindex)
    }

    /// The udev source's test: a device udevd has finished with is read.
    @Test(.needsUdevd) func withTheUdevSourceADeviceUdevdFinishedIsRead() throws {
        let veth = try VethPair(prefix: "crs")
        defer { veth.delete() }
        #expect(veth.waitUntilUdevFinished())
        let context = try UdevContext()
        let entries = try #require(ClassRescan.present(
            context, subsystems: ["net"], initializedOnly: true, tracked: [],
            wanted: { _, name in name == veth.name }, kernelName: { _ in nil }))
        #expect(entries.map(\.syspath) == ["/sys/devices/virtual/net/\(veth.name)"])
    }

    /// A subsystem that is a bus as well as a class (`mei`, `nd`) has
    /// devices the class directory does not list: libudev's scan, not ours.
    @Test func aSubsystemThatIsAlsoABusIsLeftToLibudev() throws {
        #expect(UdevEnumerator.classDirectory(of: "net") == "/sys/class/net")
        let classes = Set((try? FileManager.default.contentsOfDirectory(atPath: "/sys/class")) ?? [])
        let buses = Set((try? FileManager.default.contentsOfDirectory(atPath: "/sys/bus")) ?? [])
        guard let both = classes.intersection(buses).sorted().first else { return }
        #expect(UdevEnumerator.classDirectory(of: both) == nil)
        let context = try UdevContext()
        #expect(ClassRescan.present(context, subsystems: [both, "net"], initializedOnly: false, tracked: [],
                                    wanted: { _, _ in true }, kernelName: { _ in nil }) == nil)
        #expect(UdevEnumerator.classDevices(context, subsystems: [both], wanted: { _, _ in true }) == nil)
    }

    @Test func aClassLinkResolvesToTheDevpathItLeadsTo() {
        let directory = Array("/sys/class/net".utf8)
        #expect(ClassRescan.devpath(ofLink: Array("../../devices/virtual/net/x".utf8), in: directory)
            == Array("/devices/virtual/net/x".utf8))
        #expect(ClassRescan.devpath(ofLink: Array("/sys/devices/pci0000:00/./net/y".utf8), in: directory)
            == Array("/devices/pci0000:00/net/y".utf8))
        #expect(ClassRescan.devpath(ofLink: Array("../../../../x".utf8), in: directory) == nil)
        #expect(ClassRescan.devpath(ofLink: Array("../other/x".utf8), in: directory) == nil)
        #expect(ClassRescan.lastComponent(Array("/devices/virtual/net/x".utf8)) == "x")
        #expect(ClassRescan.lastComponent(Array("/devices/".utf8)) == nil)
    }
}
