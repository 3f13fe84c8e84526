import Foundation
import HotplugCore
import HotplugLinux
import Testing
import TestSupport

/// libudev against real kernel devices: veth pairs made for each test.
@Suite(.needsUdevd, .serialized)
struct UdevDeviceTests {
    @Test func looksUpVethByNameSyspathAndDevpath() throws {
        let veth = try VethPair(prefix: "udl")
        defer { veth.delete() }
        try Shell.run(["/bin/udevadm", "settle", "--timeout=10"])
        let context = try UdevContext()
        let byName = try DeviceLookup.find(veth.name, in: context)
        #expect(byName.subsystem == "net")
        #expect(byName.sysname == veth.name)
        #expect(byName.syspath == "/sys/devices/virtual/net/\(veth.name)")
        let bySyspath = try DeviceLookup.find(byName.syspath, in: context)
        #expect(bySyspath.devpath == byName.devpath)
        let byDevpath = try DeviceLookup.find(byName.devpath, in: context)
        #expect(byDevpath.syspath == byName.syspath)

        let facts = byName.facts(needs: FactNeeds(ancestors: true, driver: true, attributeNames: ["address", "ifindex"]))
        #expect(facts.properties["ID_NET_DRIVER"] == "veth")
        #expect(facts.properties["INTERFACE"] == veth.name)
        #expect(facts.ifindex != nil && facts.ifindex == Int32(facts.attributes["ifindex"] ?? ""))
        #expect(facts.attributes["address"]?.count == 17)
        #expect(facts.nearestUSBDevice == nil)

        // Asked for nothing, the shell reads no sysfs attribute and no parent.
        let bare = byName.facts(needs: .nothing)
        #expect(bare.attributes.isEmpty && bare.ancestors.isEmpty)
        #expect(bare.properties["INTERFACE"] == veth.name && bare.ifindex == facts.ifindex)
    }

    @Test func refusesPathsThatEscapeSys() throws {
        let context = try UdevContext()
        #expect(throws: DeviceLookup.Failure.self) { try DeviceLookup.find("/sys/class/net/../../etc", in: context) }
        #expect(throws: DeviceLookup.Failure.self) { try DeviceLookup.find("no-such-if-x9", in: context) }
        #expect(throws: DeviceLookup.Failure.self) { try DeviceLookup.find("a;rm -rf /", in: context) }
    }

    @Test func enumeratesInitializedNetDevices() throws {
        let veth = try VethPair(prefix: "ude")
        defer { veth.delete() }
        // This veth's own event, not a settle of the whole queue: tests beside
        // this one keep udevd busy with theirs, and a settle could time out first.
        #expect(veth.waitUntilUdevFinished(timeout: 30))
        let context = try UdevContext()
        let devices = try UdevEnumerator.devices(context, subsystems: ["net"], initializedOnly: true)
        #expect(devices.contains { $0.sysname == veth.name })
        // Another test's device may be gone by now, and with it the sysfs
        // link its subsystem is read from.
        #expect(devices.allSatisfy { $0.subsystem == "net" || access($0.syspath, F_OK) != 0 })
    }

    @Test func monitorSeesAddAndRemoveFromUdevd() throws {
        let context = try UdevContext()
        let monitor = try UdevMonitor(context: context, source: .udev, subsystems: ["net"])
        let veth = try VethPair(prefix: "udm")
        defer { veth.delete() }
        let added = try waitForEvent(monitor) { $0.action == "add" && $0.sysname == veth.name }
        #expect(added.property("ID_NET_DRIVER") == "veth")
        veth.delete()
        _ = try waitForEvent(monitor) { $0.action == "remove" && $0.sysname == veth.name }
    }

    @Test func kernelSourceSeesRawEvents() throws {
        let context = try UdevContext()
        let monitor = try UdevMonitor(context: context, source: .kernel, subsystems: ["net"])
        let veth = try VethPair(prefix: "udk")
        defer { veth.delete() }
        let added = try waitForEvent(monitor) { $0.action == "add" && $0.sysname == veth.name }
        #expect(added.property("ID_NET_DRIVER") == nil, "kernel events carry no udev properties")
    }

    /// Waits on the monitor's socket with poll; fails after 10 s.
    func waitForEvent(_ monitor: UdevMonitor, _ predicate: (UdevDevice) -> Bool) throws -> UdevDevice {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            _ = try monitor.waitForEvents(timeoutMilliseconds: 1000)
            while case .device(let device) = monitor.receive() {
                if predicate(device) { return device }
            }
        }
        throw TestFailure("no matching event within 10 s")
    }
}
