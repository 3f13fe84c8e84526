import Foundation
import HotplugCore
import HotplugLinux
import Testing
import TestSupport

/// `hotplugd status`, `reload` and `restart` against a running daemon.
@Suite(.needsUdevd, .serialized)
struct StatusCommandTests {
    static func binding(prefix: String, child: String) -> String {
        """
        description = "status test"
        [match]
        subsystem = "net"
        kernel = "\(prefix)*"
        [link]
        name = "\(prefix)l{n}"
        [exec]
        command = ["\(child)"]
        """
    }

    @Test func noDaemonExitsThreeWithASentence() throws {
        let result = try HotplugdBinary.run("status", "--socket", "/tmp/hotplugd-no-such-daemon.sock")
        #expect(result.status == 3)
        #expect(result.stderr.contains("hotplugd is not running: nothing listens on /tmp/hotplugd-no-such-daemon.sock"))
    }

    @Test func statusShowsTableAndJSON() throws {
        let fixture = try DaemonFixture(prefix: "sta")
        defer { fixture.cleanUp() }
        let child = try fixture.script("child.sh", "echo up; sleep 600 & wait $!")
        try fixture.bindings(["cable.toml": Self.binding(prefix: "sta", child: child),
                              "idle.toml": "[match]\nsubsystem = \"net\"\nkernel = \"nomatch*\"\n"])
        try fixture.start()
        let veth = try VethPair(prefix: "sta")
        defer { veth.delete() }
        #expect(fixture.waitForLog("cable", "up") != nil)

        let table = try fixture.client("status")
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("hotplugd 0.1.0, pid ") == true)
        #expect(lines.contains { $0.hasPrefix("BINDING") && $0.contains("STATE") && $0.contains("LAST EXIT / ERROR") })
        let row = try #require(lines.first { $0.hasPrefix("cable ") })
        let cells = row.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        #expect(cells[1] == "stal0" && cells[2] == "stal0" && cells[3] == "running")
        #expect(Int32(cells[4]) != nil)
        #expect(lines.contains { $0.hasPrefix("idle ") && $0.contains("waiting") })

        let json = try fixture.client("status", "--json")
        #expect(json.status == 0)
        #expect(json.stdout.hasPrefix("{\"daemon\":{\"pid\":"))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let bindings = try #require(document["bindings"] as? [[String: Any]])
        let cable = try #require(bindings.first { $0["name"] as? String == "cable" })
        #expect((cable["file"] as? String)?.hasSuffix("/bindings/cable.toml") == true)
        let device = try #require((cable["devices"] as? [[String: Any]])?.first)
        #expect(device["syspath"] as? String == "/sys/devices/virtual/net/stal0")
        #expect(device["subsystem"] as? String == "net")
        #expect(device["interface"] as? String == "stal0")
        #expect(device["state"] as? String == "running")
        #expect(device["pid"] as? Int != nil)
        #expect(device["restarts"] as? Int == 0)
        #expect(device["last_exit"] is NSNull)
        #expect(device["error"] is NSNull)
        #expect((device["since"] as? String)?.hasSuffix("Z") == true)

        let one = try fixture.client("status", "idle", "--json")
        #expect(one.stdout.contains("\"name\":\"idle\"") && !one.stdout.contains("\"name\":\"cable\""))
        let unknown = try fixture.client("status", "nope")
        #expect(unknown.status == 1 && unknown.stderr.contains("no binding named 'nope'"))
    }

    /// With no [firewall] anywhere there is no table, and `status` says
    /// nothing of one (it said "firewall: DEGRADED" for the JSON's null).
    @Test func noFirewallBindingMeansNoFirewallLine() throws {
        let fixture = try DaemonFixture(prefix: "stn")
        defer { fixture.cleanUp() }
        try fixture.bindings(["idle.toml": "[match]\nsubsystem = \"net\"\nkernel = \"nomatch*\"\n"])
        try fixture.start()
        let table = try fixture.client("status")
        #expect(table.status == 0)
        #expect(!table.stdout.contains("firewall"), "\(table.stdout)")
    }

    @Test func unprivilegedUserMayReadButNotReload() throws {
        let fixture = try DaemonFixture(prefix: "stb")
        defer { fixture.cleanUp() }
        try fixture.bindings(["idle.toml": "[match]\nsubsystem = \"net\"\nkernel = \"nomatch*\"\n"])
        try fixture.start()
        // The socket is 0660 root:root; let `nobody` in through the directory and the socket's mode.
        chmod(fixture.directory.path, 0o755)
        chmod(fixture.socketPath, 0o666)
        let asNobody = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", HotplugdBinary.path]
        let status = try Shell.run(asNobody + ["status", "--socket", fixture.socketPath])
        #expect(status.status == 0, "\(status.stderr)")
        let reload = try Shell.run(asNobody + ["reload", "--socket", fixture.socketPath])
        #expect(reload.status == 1)
        #expect(reload.stderr.contains("permission denied: 'reload' needs root or the daemon's own user"))
        let restart = try Shell.run(asNobody + ["restart", "idle", "--socket", fixture.socketPath])
        #expect(restart.stderr.contains("permission denied"))
        #expect(try fixture.client("reload").status == 0)
    }

    @Test func socketIsCreatedWithMode0660AndASecondDaemonIsRefused() throws {
        let fixture = try DaemonFixture(prefix: "stc")
        defer { fixture.cleanUp() }
        try fixture.bindings(["idle.toml": "[match]\nsubsystem = \"net\"\nkernel = \"nomatch*\"\n"])
        try fixture.start()
        var info = stat()
        #expect(stat(fixture.socketPath, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o660)
        let second = try Shell.run([HotplugdBinary.path, "run", "--config", fixture.directory.path + "/bindings",
                                    "--socket", fixture.socketPath])
        #expect(second.status == 1)
        #expect(second.stderr.contains("another hotplugd is already running on \(fixture.socketPath)"))
        // The first one still answers.
        #expect(try fixture.client("status").status == 0)
    }

    @Test func staleSocketFileIsReplaced() throws {
        let fixture = try DaemonFixture(prefix: "std")
        defer { fixture.cleanUp() }
        try fixture.bindings(["idle.toml": "[match]\nsubsystem = \"net\"\nkernel = \"nomatch*\"\n"])
        // A socket file whose daemon died: bound, never listened on, closed.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        _ = withUnsafeMutableBytes(of: &address.sun_path) { raw in
            fixture.socketPath.utf8.enumerated().map { raw[$0.offset] = $0.element }
        }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        close(fd)
        try fixture.start()
        #expect(try fixture.client("status").status == 0)
    }

    /// "restarting N instance(s)" counts the instances a restart restarts
    /// (`instances = 2` on one device: two), not devices (issue 21, item 16).
    @Test func ltRestartCountsInstancesNotDevices() throws {
        let fixture = try DaemonFixture(prefix: "lti")
        defer { fixture.cleanUp() }
        let child = try fixture.script("child.sh", "echo \"pid:$$\"; sleep 600 & wait $!")
        try fixture.bindings(["cable.toml": Self.binding(prefix: "lti", child: child) + "\ninstances = 2\n"])
        try fixture.start()
        let veth = try VethPair(prefix: "lti")
        defer { veth.delete() }
        #expect(eventually { fixture.logLines(containing: "pid:").count == 2 })
        let restart = try fixture.client("restart", "cable")
        #expect(restart.status == 0, "\(restart.stderr)")
        #expect(restart.stdout == "restarting 2 instance(s) of cable\n", "\(restart.stdout)")
    }

    @Test func reloadReportsConfigErrorsAndRestartRestarts() throws {
        let fixture = try DaemonFixture(prefix: "ste")
        defer { fixture.cleanUp() }
        let child = try fixture.script("child.sh", "echo \"pid:$$\"; sleep 600 & wait $!")
        try fixture.bindings(["cable.toml": Self.binding(prefix: "ste", child: child)])
        try fixture.start()
        let veth = try VethPair(prefix: "ste")
        defer { veth.delete() }
        #expect(fixture.waitForLog("pid:") != nil)
        let restart = try fixture.client("restart", "cable", "stel0")
        #expect(restart.status == 0, "\(restart.stderr)")
        #expect(restart.stdout.contains("restarting 1 instance(s) of cable"))
        #expect(eventually { fixture.logLines(containing: "pid:").count == 2 })

        try fixture.bindings(["broken.toml": "[match]\nsubsystem = \"net\"\nmtu = 5\n"])
        let reload = try fixture.client("reload")
        #expect(reload.status == 1)
        #expect(reload.stderr.contains("the new configuration has errors; the running one is kept"))
        #expect(reload.stderr.contains("broken.toml:3:1: unknown key 'mtu' in [match]"))
    }

    /// `restart BINDING DEVICE` used to count every instance of the
    /// binding, to miss /sys/class/net paths, to succeed for a device the
    /// binding has no attachment on, and to restart the whole binding for "cable\nx".
    @Test func restartActsOnTheNamedDeviceOnlyAndSaysWhenThereIsNone() throws {
        let fixture = try DaemonFixture(prefix: "stg")
        defer { fixture.cleanUp() }
        let child = try fixture.script("child.sh", "echo \"pid:$$\"; sleep 600 & wait $!")
        try fixture.bindings(["cable.toml": """
            [match]
            subsystem = "net"
            kernel = "stg*"
            [exec]
            command = ["\(child)"]
            """])
        try fixture.start()
        let first = try VethPair(prefix: "stg")
        defer { first.delete() }
        let second = try VethPair(prefix: "stg")
        defer { second.delete() }
        #expect(eventually { fixture.logLines(containing: "pid:").count == 2 })

        let one = try fixture.client("restart", "cable", "/sys/class/net/" + second.name)
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stdout.contains("restarting 1 instance(s) of cable on /sys/class/net/\(second.name)"))
        #expect(eventually { fixture.logLines(containing: "pid:").count == 3 })

        let none = try fixture.client("restart", "cable", "stgnone")
        #expect(none.status == 1)
        #expect(none.stderr.contains("binding 'cable' has no attachment on 'stgnone': nothing to restart"))
        let newline = try fixture.client("restart", "cable\n" + first.name)
        #expect(newline.status == 1)
        #expect(newline.stderr.contains("is not a binding name"))
        #expect(!newline.stderr.contains("\n" + first.name), "escaped, not echoed raw")
        let all = try fixture.client("restart", "cable")
        #expect(all.stdout.contains("restarting 2 instance(s) of cable"))
    }

    @Test func hostileClientsLeaveTheDaemonServing() throws {
        let fixture = try DaemonFixture(prefix: "stf")
        defer { fixture.cleanUp() }
        try fixture.bindings(["idle.toml": "[match]\nsubsystem = \"net\"\nkernel = \"nomatch*\"\n"])
        try fixture.start()
        func connect() -> Int32 {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            _ = withUnsafeMutableBytes(of: &address.sun_path) { raw in
                fixture.socketPath.utf8.enumerated().map { raw[$0.offset] = $0.element }
            }
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
            return fd
        }
        // Half-open clients that never send, more than the daemon keeps.
        let silent = (0..<80).map { _ in connect() }
        defer { silent.forEach { close($0) } }
        // Garbage, then an oversized request, then a client that leaves mid-request.
        let garbage = connect()
        _ = "\u{1}\u{2}\u{ff}garbage\n".withCString { send(garbage, $0, strlen($0), 0) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let answered = recv(garbage, &buffer, buffer.count, 0)
        #expect(answered > 0 && String(decoding: buffer[0..<max(0, answered)], as: UTF8.self).contains("unknown request"))
        close(garbage)
        let huge = connect()
        let megabytes = [UInt8](repeating: 0x41, count: 10 << 20)
        _ = megabytes.withUnsafeBytes { send(huge, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        close(huge)
        let leaver = connect()
        _ = "stat".withCString { send(leaver, $0, strlen($0), 0) }
        close(leaver)
        #expect(try fixture.client("status").status == 0)
        #expect(fixture.daemon?.process.isRunning == true)
    }
}
