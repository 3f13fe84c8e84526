import Foundation
import HotplugCore
import HotplugLinux
import Testing
import TestSupport

/// `hotplugd run` end to end: real veth devices, real udevd, real children.
@Suite(.needsUdevd, .serialized)
struct RunCommandTests {
    /// A child that reports its argv, pid and a variable, and says when it gets SIGTERM.
    static func reportingChild(_ fixture: DaemonFixture) throws -> String {
        try fixture.script("child.sh", """
            # The trap first: the tests stop the child as soon as it reports.
            trap 'echo "got TERM"; exit 0' TERM
            echo "argv:$*"
            echo "pid:$$"
            echo "env:INTERFACE=$INTERFACE HOTPLUGD_BINDING=$HOTPLUGD_BINDING ROLE=$ROLE DRIVER=$ID_NET_DRIVER"
            sleep 600 & wait $!
            """)
    }

    static func binding(prefix: String, child: String, link: String = "", exec: String = "") -> String {
        """
        [match]
        subsystem = "net"
        kernel = "\(prefix)*"
        property.ID_NET_DRIVER = "veth"
        \(link)
        [exec]
        command = ["\(child)", "{interface}", "{binding}"]
        environment = { ROLE = "host" }
        stop-timeout = "2s"
        \(exec)
        """
    }

    @Test func hotplugRenamesConfiguresAndStartsThenRemoveStops() throws {
        let fixture = try DaemonFixture(prefix: "rha")
        defer { fixture.cleanUp() }
        let child = try Self.reportingChild(fixture)
        try fixture.bindings(["cable.toml": Self.binding(prefix: "rha", child: child, link: """
            [link]
            name = "rhalnk{n}"
            mtu = 1400
            addresses = ["10.253.0.1/24", "fd53::1/64"]
            """)])
        try fixture.start()
        let veth = try VethPair(prefix: "rha")
        defer { veth.delete() }
        let argv = try #require(fixture.waitForLog("argv:"))
        #expect(argv.hasSuffix("argv:rhalnk0 cable"))
        #expect(fixture.waitForLog("env:INTERFACE=rhalnk0 HOTPLUGD_BINDING=cable ROLE=host DRIVER=veth") != nil)
        let netlink = try RouteNetlink()
        let link = try #require(try netlink.link(named: "rhalnk0"))
        #expect(link.mtu == 1400)
        #expect(link.isUp)
        let addresses = try netlink.addresses(index: link.index).map(\.description)
        #expect(addresses.contains("10.253.0.1/24"))
        #expect(addresses.contains("fd53::1/64"))
        let pidLine = try #require(fixture.waitForLog("pid:"))
        let pid = try #require(Int32(pidLine.split(separator: ":").last ?? ""))
        #expect(processIsAlive(pid))
        // Our own rename's move event is not a new device.
        #expect(fixture.logLines(containing: "argv:").count == 1)

        try Shell.ip("link", "del", "rhalnk0")
        #expect(fixture.waitForLog("got TERM") != nil)
        #expect(fixture.waitForLog("stopped") != nil)
        #expect(eventually { !processIsAlive(pid) })
        #expect(fixture.stop() == 0)
    }

    @Test func coldplugAndTwoDevicesGetIndexedNames() throws {
        let fixture = try DaemonFixture(prefix: "rhb")
        defer { fixture.cleanUp() }
        let child = try Self.reportingChild(fixture)
        try fixture.bindings(["cable.toml": Self.binding(prefix: "rhb", child: child, link: "[link]\nname = \"rhblnk{n}\"")])
        let first = try VethPair(prefix: "rhb")
        defer { first.delete() }
        try Shell.run(["/bin/udevadm", "settle", "--timeout=10"])
        try fixture.start()
        #expect(fixture.waitForLog("argv:rhblnk0 cable") != nil, "coldplugged device renamed and started")
        let second = try VethPair(prefix: "rhb")
        defer { second.delete() }
        #expect(fixture.waitForLog("argv:rhblnk1 cable") != nil)
        #expect(FileManager.default.fileExists(atPath: "/sys/class/net/rhblnk0"))
        #expect(FileManager.default.fileExists(atPath: "/sys/class/net/rhblnk1"))
    }

    @Test func childIgnoringSIGTERMIsKilled() throws {
        let fixture = try DaemonFixture(prefix: "rhc")
        defer { fixture.cleanUp() }
        let child = try fixture.script("stubborn.sh", """
            trap '' TERM
            echo "pid:$$"
            sleep 600 & wait $!
            while :; do sleep 1; done
            """)
        try fixture.bindings(["cable.toml": Self.binding(prefix: "rhc", child: child, exec: "")
            .replacingOccurrences(of: "stop-timeout = \"2s\"", with: "stop-timeout = \"300ms\"")])
        try fixture.start()
        let veth = try VethPair(prefix: "rhc")
        let pidLine = try #require(fixture.waitForLog("pid:"))
        let pid = try #require(Int32(pidLine.split(separator: ":").last ?? ""))
        veth.delete()
        #expect(fixture.waitForLog("did not stop in time") != nil)
        #expect(fixture.waitForLog("stopped (killed by SIGKILL)") != nil)
        #expect(eventually { !processIsAlive(pid) })
    }

    @Test func crashLoopBacksOffAndRestartNoExits() throws {
        let fixture = try DaemonFixture(prefix: "rhd")
        defer { fixture.cleanUp() }
        let crash = try fixture.script("crash.sh", "echo crashing; exit 3")
        try fixture.bindings([
            "loop.toml": Self.binding(prefix: "rhd", child: crash, exec: "restart-delay = \"100ms\"\nrestart-delay-max = \"400ms\""),
            "once.toml": Self.binding(prefix: "rhd", child: crash, exec: "restart = \"no\""),
        ])
        try fixture.start()
        let veth = try VethPair(prefix: "rhd")
        defer { veth.delete() }
        #expect(fixture.waitForLog("loop", "restarting in 100ms") != nil)
        #expect(fixture.waitForLog("loop", "restarting in 200ms") != nil)
        #expect(fixture.waitForLog("loop", "restarting in 400ms") != nil)
        #expect(fixture.waitForLog("loop", "restarting in 400ms") != nil)
        #expect(fixture.waitForLog("once", "ended (exit 3); restart = no") != nil)
        let status = try fixture.client("status", "once", "--json")
        #expect(status.stdout.contains("\"state\":\"exited\""))
        #expect(status.stdout.contains("\"last_exit\":{\"code\":3"))
        #expect(fixture.logLines(containing: "once").filter { $0.contains("restarting") }.isEmpty)
    }

    @Test func linkFailureFailsOnlyThatDeviceWithTheKernelsReason() throws {
        let fixture = try DaemonFixture(prefix: "rhh")
        defer { fixture.cleanUp() }
        let child = try Self.reportingChild(fixture)
        try fixture.bindings(["fixed.toml": Self.binding(prefix: "rhh", child: child, link: "[link]\nname = \"xrhhtaken\"")])
        // The name the binding wants is already taken by another device.
        let occupant = try Shell.ip("link", "add", "xrhhtaken", "type", "veth", "peer", "name", "ptkn" + String(UInt16.random(in: 1000...9999)))
        defer { _ = try? Shell.ip("link", "del", "xrhhtaken") }
        try #require(occupant.status == 0, "\(occupant.stderr)")
        try fixture.start()
        let veth = try VethPair(prefix: "rhh")
        defer { veth.delete() }
        #expect(fixture.waitForLog("link configuration failed") != nil)
        let status = try fixture.client("status", "--json")
        #expect(status.stdout.contains("\"state\":\"failed\""))
        #expect(status.stdout.contains("every name 'xrhhtaken' can make is taken") || status.stdout.contains("File exists"))
        #expect(fixture.logLines(containing: "argv:").isEmpty, "no child for a device whose link failed")
        // The taken device was not touched.
        #expect(FileManager.default.fileExists(atPath: "/sys/class/net/xrhhtaken"))
    }

    @Test func missingProgramFailsWithoutRetrying() throws {
        let fixture = try DaemonFixture(prefix: "rhe")
        defer { fixture.cleanUp() }
        try fixture.bindings(["bad.toml": Self.binding(prefix: "rhe", child: "/nonexistent/program")])
        try fixture.start()
        let veth = try VethPair(prefix: "rhe")
        defer { veth.delete() }
        #expect(fixture.waitForLog("cannot start child", "No such file or directory") != nil)
        #expect(fixture.logLines(containing: "cannot start child").count == 1)
    }

    @Test func hostileInterfaceNameReachesChildLiterally() throws {
        let fixture = try DaemonFixture(prefix: "hq;")
        defer { fixture.cleanUp() }
        let child = try fixture.script("child.sh", "for a in \"$@\"; do echo \"arg:[$a]\"; done")
        try fixture.bindings(["cable.toml": """
            [match]
            subsystem = "net"
            kernel = "hq;*"
            [exec]
            command = ["\(child)", "{interface}", "$(touch /tmp/hotplugd-pwned)"]
            restart = "no"
            """])
        try fixture.start()
        let name = "hq;>x" + String(UInt8.random(in: 10...99))
        defer { _ = try? Shell.ip("link", "del", name) }
        let added = try Shell.ip("link", "add", name, "type", "veth", "peer", "name", "hqpeer" + String(UInt16.random(in: 100...999)))
        try #require(added.status == 0, "\(added.stderr)")
        #expect(fixture.waitForLog("arg:[\(name)]") != nil)
        #expect(fixture.waitForLog("arg:[$(touch /tmp/hotplugd-pwned)]") != nil)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/hotplugd-pwned"))
    }

    @Test func sighupKeepsUnchangedRestartsChangedAndRefusesBroken() throws {
        let fixture = try DaemonFixture(prefix: "rhf")
        defer { fixture.cleanUp() }
        let child = try Self.reportingChild(fixture)
        try fixture.bindings([
            "same.toml": Self.binding(prefix: "rhf", child: child),
            "changed.toml": Self.binding(prefix: "rhf", child: child),
        ])
        try fixture.start()
        let veth = try VethPair(prefix: "rhf")
        defer { veth.delete() }
        #expect(fixture.waitForLog("argv:\(veth.name) same") != nil)
        #expect(fixture.waitForLog("argv:\(veth.name) changed") != nil)

        try fixture.bindings(["changed.toml": Self.binding(prefix: "rhf", child: child, exec: "restart = \"always\"")])
        fixture.signal(SIGHUP)
        #expect(fixture.waitForLog("configuration reloaded", "1 changed") != nil)
        #expect(fixture.waitForLog("changed", "got TERM") != nil)
        #expect(eventually { fixture.logLines(containing: "argv:\(veth.name) changed").count == 2 })
        #expect(fixture.logLines(containing: "argv:\(veth.name) same").count == 1, "unchanged binding kept its child")

        try fixture.bindings(["broken.toml": "[match]\nsubsytem = \"net\"\n"])
        fixture.signal(SIGHUP)
        #expect(fixture.waitForLog("reload refused") != nil)
        #expect(fixture.waitForLog("broken.toml:2:1: unknown key 'subsytem'") != nil)
        #expect(fixture.logLines(containing: "got TERM").count == 1)
    }

    @Test func sighupBindsADevicePresentThatMatchedNothingBefore() throws {
        let fixture = try DaemonFixture(prefix: "rhi")
        defer { fixture.cleanUp() }
        let child = try Self.reportingChild(fixture)
        let later = Self.binding(prefix: "rhi", child: child)
        try fixture.bindings(["later.toml": later.replacingOccurrences(of: "\"veth\"", with: "\"not-veth\"")])
        try fixture.start()
        let veth = try VethPair(prefix: "rhi")
        defer { veth.delete() }
        #expect(fixture.waitForLog("ready") != nil)
        #expect(veth.waitUntilUdevFinished())
        try fixture.bindings(["later.toml": later])
        fixture.signal(SIGHUP)
        #expect(fixture.waitForLog("argv:\(veth.name) later") != nil, "the reload enumerates again and finds the device")
    }

    /// The kernel-side filter only passes the subsystems of the bindings, so a
    /// reload that adds one opens a new monitor and enumerates what it missed.
    @Test func sighupWithANewSubsystemSeesPresentAndLaterDevices() throws {
        let fixture = try DaemonFixture(prefix: "rhj")
        defer { fixture.cleanUp() }
        let child = try Self.reportingChild(fixture)
        try fixture.bindings(["tty.toml": "[match]\nsubsystem = \"tty\"\nkernel = \"rhjnone*\"\n"])
        try fixture.start()
        #expect(fixture.waitForLog("ready") != nil)
        let first = try VethPair(prefix: "rhj")
        defer { first.delete() }
        #expect(first.waitUntilUdevFinished())
        try fixture.bindings(["net.toml": Self.binding(prefix: "rhj", child: child)])
        fixture.signal(SIGHUP)
        #expect(fixture.waitForLog("argv:\(first.name) net") != nil, "present before the reload: found by its enumeration")
        let second = try VethPair(prefix: "rhj")
        defer { second.delete() }
        #expect(fixture.waitForLog("argv:\(second.name) net") != nil, "plugged after the reload: seen by the new monitor")
    }

    @Test func sigtermStopsEveryChildAndExitsZero() throws {
        let fixture = try DaemonFixture(prefix: "rhg")
        defer { fixture.cleanUp() }
        let child = try Self.reportingChild(fixture)
        try fixture.bindings(["a.toml": Self.binding(prefix: "rhg", child: child), "b.toml": Self.binding(prefix: "rhg", child: child)])
        try fixture.start()
        let veth = try VethPair(prefix: "rhg")
        defer { veth.delete() }
        #expect(eventually { fixture.logLines(containing: "pid:").count == 2 })
        let pids = fixture.logLines(containing: "pid:").compactMap { Int32($0.split(separator: ":").last ?? "") }
        #expect(fixture.stop() == 0)
        #expect(fixture.logLines(containing: "got TERM").count == 2)
        #expect(pids.allSatisfy { !processIsAlive($0) })
    }
}
