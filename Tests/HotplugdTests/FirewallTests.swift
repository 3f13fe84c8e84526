import Foundation
import Testing
import TestSupport

/// `[firewall]` with real traffic, all inside namespaces the test creates:
/// the allowed port answers, another does not; the rules follow a rename,
/// come back after `nft flush ruleset`, are gone after unplug and the
/// table after SIGTERM; a drop-by-default `iptables-restore -n` host
/// ruleset lets the allowed port in through the accept-mark.
@Suite(.needsRoot, .serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/nft")
                                                  && FileManager.default.isExecutableFile(atPath: "/usr/sbin/iptables-restore"),
                                              "needs nftables and iptables (scripts/setup installs them)"))
struct FirewallTests {
    static let allowed = 27015
    static let blocked = 27100
    static let address = "10.99.0.1"
    static let address6 = "fd99::1"

    @Test func onlyTheAllowedPortAnswersAndTheRulesFollowTheDevice() throws {
        let fixture = try NamespacedDaemon(prefix: "hfw")
        defer { fixture.cleanUp() }
        try fixture.binding("game", kernel: "h*", address: Self.address, address6: Self.address6, ports: [Self.allowed, Self.blocked],
                            firewall: "input = \"restrict\"\nallow-tcp = [\(Self.allowed)]\n")
        try fixture.start()
        // A name nftables' parser could not take as a quoted string: quote,
        // backslash and a trailing star (a wildcard to nft).
        let name = "h\"\\x" + String(VethPair.uniqueName(prefix: "").prefix(4)) + "*"
        let ifindex = try fixture.plug(name, clientAddress: "10.99.0.2", clientAddress6: "fd99::2")
        #expect(fixture.waitForLog("listening"), "the child starts after the firewall stage")
        #expect(try fixture.connects(to: Self.address, port: Self.allowed))
        #expect(try !fixture.connects(to: Self.address, port: Self.blocked, timeout: 0.5))
        #expect(try fixture.connects(to: Self.address6, port: Self.allowed), "IPv6 works: neighbour discovery passes")
        #expect(try !fixture.connects(to: Self.address6, port: Self.blocked, timeout: 0.5))
        #expect(try !fixture.pings(Self.address) && !fixture.pings(Self.address6), "allow-icmp is off")
        let table = try #require(try fixture.table())
        #expect(try fixture.mapTarget(ifindex) == "in-game", "the device's element points at its binding's chain")
        #expect(table.contains("chain allow-in-game") && table.contains("tcp dport \(Self.allowed) accept"))
        #expect(try fixture.mapTarget(ifindex, map: "forward-devices") == nil, "forward is open")

        // A rename (not ours) changes nothing: the rules match the ifindex.
        let renamed = "hren" + String(VethPair.uniqueName(prefix: "").prefix(4))
        try fixture.host.run("/sbin/ip", "link", "set", name, "down")
        try fixture.host.run("/sbin/ip", "link", "set", name, "name", renamed)
        try fixture.host.run("/sbin/ip", "link", "set", renamed, "up")
        #expect(fixture.waitForLog("is now \(renamed)"))
        #expect(eventually(timeout: 5) { (try? fixture.connects(to: Self.address, port: Self.allowed)) == true })
        #expect(try !fixture.connects(to: Self.address, port: Self.blocked, timeout: 0.5))

        // Someone flushes every table: hotplugd notices and puts its rules back.
        let start = Date()
        try fixture.host.run("/usr/sbin/nft", "flush", "ruleset")
        #expect(eventually(timeout: 5) { (try? fixture.mapTarget(ifindex)) == "in-game" })
        let restored = Date().timeIntervalSince(start)
        print("firewall: rules back \(Int(restored * 1000)) ms after `nft flush ruleset` (measured with nft polling)")
        #expect(restored < 2, "within a second, asserted generously")
        if let line = fixture.daemon?.errorOutput.first(where: { $0.contains("firewall rules reinstalled in") }) {
            print("firewall: the daemon's own repair transaction: \(line.components(separatedBy: "reinstalled in ").last ?? "?")")
        }
        #expect(fixture.logCount("was changed by nft") >= 1)
        #expect(try !fixture.connects(to: Self.address, port: Self.blocked, timeout: 0.5))
        #expect(try fixture.connects(to: Self.address, port: Self.allowed))

        // The same for the table deleted by name.
        try fixture.host.run("/usr/sbin/nft", "delete", "table", "inet", "hotplugd")
        #expect(eventually(timeout: 5) { (try? fixture.mapTarget(ifindex)) == "in-game" })

        // Unplugged: the child stops, then no element names the device;
        // the binding's chains wait for its next device.
        try fixture.unplug(renamed)
        #expect(fixture.waitForLog("stopped"))
        #expect(eventually(timeout: 5) { (try? fixture.table()).flatMap { $0 }.map { !$0.contains("elements") } ?? false })
        let after = try #require(try fixture.table())
        #expect(!after.contains(renamed) && !after.contains("if\(ifindex)") && after.contains("chain in-game"))

        // SIGTERM removes the table.
        #expect(fixture.stopDaemon() == 0)
        #expect(try fixture.table() == nil)
    }

    @Test func aDropByDefaultHostRulesetAcceptsWhatTheBindingAllowsThroughTheMark() throws {
        let fixture = try NamespacedDaemon(prefix: "hfm")
        defer { fixture.cleanUp() }
        let rules = HotplugdBinary.repositoryRoot + "/examples/iptables-host.rules"
        func loadHostRuleset() throws {
            let result = try fixture.host.run("/usr/sbin/iptables-restore", "-n", rules)
            #expect(result.status == 0, "iptables-restore: \(result.stderr)")
        }
        try loadHostRuleset()
        try fixture.binding("game", kernel: "h*", address: Self.address, ports: [Self.allowed, Self.blocked],
                            firewall: "input = \"restrict\"\nallow-tcp = [\(Self.allowed)]\nallow-icmp = true\naccept-mark = \"0x4000\"\n")
        try fixture.start()
        try fixture.plug("hm" + String(VethPair.uniqueName(prefix: "").prefix(6)), clientAddress: "10.99.0.2")
        #expect(fixture.waitForLog("listening"))
        let before = try #require(try fixture.table())
        #expect(before.contains("meta mark set meta mark | 0x00004000 accept"))

        #expect(try fixture.connects(to: Self.address, port: Self.allowed), "accepted by FILTERS through the mark")
        #expect(try fixture.pings(Self.address), "allow-icmp: echo requests get the mark too")
        #expect(try !fixture.connects(to: Self.address, port: Self.blocked, timeout: 0.5))

        // The host ruleset reloaded twice and Docker-style chains recreated:
        // hotplugd's table is untouched (no repair needed), the mark still works.
        try loadHostRuleset()
        try loadHostRuleset()
        try fixture.host.run("/usr/sbin/iptables", "-N", "DOCKER")
        try fixture.host.run("/usr/sbin/iptables", "-F", "DOCKER")
        try fixture.host.run("/usr/sbin/iptables", "-X", "DOCKER")
        try fixture.host.run("/usr/sbin/iptables", "-F", "DOCKER-USER")
        try fixture.host.run("/usr/sbin/iptables", "-A", "DOCKER-USER", "-j", "RETURN")
        usleep(200_000)
        #expect(try fixture.table() == before, "same rules (nft lists no handles: compare text)")
        #expect(fixture.logCount("was changed by") == 0, "iptables' tables are not ours: nothing to repair")
        #expect(try fixture.connects(to: Self.address, port: Self.allowed))
        #expect(try !fixture.connects(to: Self.address, port: Self.blocked, timeout: 0.5))

        // Without the mark rule the host's DROP wins: hotplugd cannot open a port.
        try fixture.host.run("/usr/sbin/iptables", "-D", "FILTERS", "-m", "mark", "--mark", "0x4000/0x4000", "-j", "ACCEPT")
        #expect(try !fixture.connects(to: Self.address, port: Self.allowed, timeout: 0.5))
    }

    /// SIGKILL leaves the rules (a plugged device never loses its
    /// restrictions); the next start drops what belongs to a device
    /// unplugged meanwhile and keeps the present one's, once.
    @Test func aCrashKeepsTheRulesAndTheNextStartReconciles() throws {
        let fixture = try NamespacedDaemon(prefix: "hfk")
        defer { fixture.cleanUp() }
        try fixture.binding("game", kernel: "hk*", address: Self.address, ports: [Self.allowed, Self.blocked],
                            firewall: "input = \"restrict\"\nallow-tcp = [\(Self.allowed)]\n")
        try fixture.directory.write("bindings/other.toml", "[match]\nsubsystem = \"net\"\nkernel = \"hg*\"\n[firewall]\ninput = \"restrict\"\n")
        try fixture.start()
        let kept = "hk" + String(VethPair.uniqueName(prefix: "").prefix(6))
        let gone = "hg" + String(VethPair.uniqueName(prefix: "").prefix(6))
        let keptIndex = try fixture.plug(kept, clientAddress: "10.99.0.2")
        let goneIndex = try fixture.plug(gone, clientAddress: "10.99.1.2")
        #expect(fixture.waitForLog("listening"))
        #expect(eventually { (try? fixture.mapTarget(goneIndex)) == "in-other" })
        fixture.killDaemon()
        #expect(try fixture.mapTarget(keptIndex) == "in-game" && fixture.mapTarget(goneIndex) == "in-other")
        #expect(try !fixture.connects(to: Self.address, port: Self.blocked, timeout: 0.5), "still restricted without hotplugd")
        try fixture.unplug(gone)
        try fixture.start()
        #expect(fixture.waitForLog("listening"), "the present device's child is started again")
        let table = try #require(try fixture.table())
        #expect(try fixture.mapTarget(keptIndex) == "in-game", "the present device's rules")
        #expect(table.components(separatedBy: "chain in-game ").count == 2, "its binding's chain, once")
        #expect(try fixture.mapTarget(goneIndex) == nil, "the unplugged device's element is gone")
        #expect(try fixture.connects(to: Self.address, port: Self.allowed))
        #expect(try !fixture.connects(to: Self.address, port: Self.blocked, timeout: 0.5))
    }

    /// 100 interfaces in one `ip -batch`, then removed in one: every one
    /// gets its rules once, and none are left.
    @Test func aStormOfDevicesGetsItsRulesOnceAndLeavesNone() throws {
        let fixture = try NamespacedDaemon(prefix: "hfs")
        defer { fixture.cleanUp() }
        try fixture.directory.write("bindings/storm.toml", """
            [match]
            subsystem = "net"
            kernel = "hs*"
            [firewall]
            input = "restrict"
            allow-udp = [27015]
            """)
        try fixture.start(logLevel: "debug")
        let tag = String(VethPair.uniqueName(prefix: "").prefix(4))
        let names = (0..<100).map { "hs\(tag)x\($0)" }
        let add = names.map { "link add \($0) type veth peer name ps\($0.dropFirst(2))" }.joined(separator: "\n") + "\n"
        let del = names.map { "link del \($0)" }.joined(separator: "\n") + "\n"
        try fixture.directory.write("add.batch", add)
        try fixture.directory.write("del.batch", del)
        /// The devices in the input map.
        func elements() -> Int {
            guard let result = try? fixture.host.run("/usr/sbin/nft", "-j", "list", "map", "inet", "hotplugd", "input-devices"),
                  result.status == 0 else { return -1 }
            return result.stdout.components(separatedBy: "\"jump\"").count - 1
        }
        var start = Date()
        #expect(try fixture.host.run("/sbin/ip", "-batch", fixture.directory.path + "/add.batch").status == 0)
        #expect(eventually(timeout: 30) { elements() == 100 })
        print("firewall: 100 devices' rules installed \(Int(Date().timeIntervalSince(start) * 1000)) ms after one ip -batch")
        let costs = (fixture.daemon?.errorOutput ?? []).compactMap { line -> Int? in
            guard line.contains("firewall transaction for"), let took = line.range(of: " took ") else { return nil }
            return Int(line[took.upperBound...].prefix { $0.isNumber })
        }.sorted()
        if !costs.isEmpty {
            print("firewall: one device's transaction, \(costs.count) samples during the storm: p50 \(costs[costs.count / 2]) us, p90 \(costs[costs.count * 9 / 10]) us, max \(costs.last ?? 0) us")
        }
        for name in names.prefix(3) {
            #expect(try fixture.mapTarget(fixture.ifindex(name)) == "in-storm")
        }
        let table = try #require(try fixture.table())
        #expect(!table.contains("chain if"), "one binding per device: no device chains")
        start = Date()
        #expect(try fixture.host.run("/sbin/ip", "-batch", fixture.directory.path + "/del.batch").status == 0)
        let ipTook = Date().timeIntervalSince(start)
        #expect(eventually(timeout: 30) { elements() == 0 })
        print("firewall: 100 devices' rules removed \(Int(Date().timeIntervalSince(start) * 1000)) ms after the start of one ip -batch (ip itself took \(Int(ipTook * 1000)) ms)")
        #expect(fixture.logCount("was changed by") == 0)
    }

    /// `forward = "restrict"`: traffic from the device routed to an allowed
    /// out-interface passes on an allowed port only; to another
    /// out-interface it does not. Forwarding is on inside the test's
    /// namespace only.
    @Test func forwardingIsRestrictedToTheAllowedOutInterfacesAndPorts() throws {
        let fixture = try NamespacedDaemon(prefix: "hff")
        defer { fixture.cleanUp() }
        let allowedSide = try NetworkNamespace(prefix: "hff")
        defer { allowedSide.delete() }
        let otherSide = try NetworkNamespace(prefix: "hff")
        defer { otherSide.delete() }
        try fixture.directory.write("bindings/router.toml", """
            [match]
            subsystem = "net"
            kernel = "hfi*"
            [firewall]
            forward = "restrict"
            forward-to = ["hfa*"]
            allow-tcp = [\(Self.allowed)]
            """)
        try fixture.host.run("/sbin/sysctl", "-qw", "net.ipv4.ip_forward=1")
        /// A veth from the host namespace to `far`, both ends addressed and up.
        func wire(_ name: String, to far: NetworkNamespace, subnet: String) throws {
            let peer = VethPair.uniqueName(prefix: "c")
            try fixture.host.run("/sbin/ip", "link", "add", name, "type", "veth", "peer", "name", peer, "netns", far.name)
            try fixture.host.run("/sbin/ip", "addr", "add", "\(subnet).1/24", "dev", name)
            try fixture.host.run("/sbin/ip", "link", "set", name, "up")
            try far.run("/sbin/ip", "addr", "add", "\(subnet).2/24", "dev", peer)
            try far.run("/sbin/ip", "link", "set", peer, "up")
            try far.run("/sbin/ip", "route", "add", "default", "via", "\(subnet).1")
        }
        let tag = String(VethPair.uniqueName(prefix: "").prefix(6))
        try wire("hfa" + tag, to: allowedSide, subnet: "10.98.0")
        try wire("hfb" + tag, to: otherSide, subnet: "10.97.0")
        var listeners: [RunningProcess] = []
        // SIGKILL: a SIGTERM may find the signal blocked in the mask the
        // listener inherited from the test runner's thread.
        defer { listeners.forEach { kill($0.process.processIdentifier, SIGKILL); $0.process.waitUntilExit() } }
        for (side, address) in [(allowedSide, "10.98.0.2"), (otherSide, "10.97.0.2")] {
            let listener = try RunningProcess(side.exec + ["/usr/bin/python3", fixture.directory.path + "/listen.py", address,
                                                           String(Self.allowed), String(Self.blocked)])
            listeners.append(listener)
            #expect(listener.waitForLine { $0.contains("listening") } != nil)
        }
        try fixture.start()
        try wire("hfi" + tag, to: fixture.client, subnet: "10.99.0")
        let ifindex = try fixture.ifindex("hfi" + tag)
        #expect(eventually { (try? fixture.mapTarget(ifindex, map: "forward-devices")) == "fwd-router" })
        #expect(try fixture.mapTarget(ifindex) == nil && !fixture.chainExists("in-router"), "input stays open")
        #expect(try fixture.connects(to: "10.98.0.2", port: Self.allowed))
        #expect(try !fixture.connects(to: "10.98.0.2", port: Self.blocked, timeout: 0.5), "a port not allowed")
        #expect(try !fixture.connects(to: "10.97.0.2", port: Self.allowed, timeout: 0.5), "an out-interface not allowed")
    }

    /// A reload that removes the last [firewall] removes the table once the
    /// device's rules are gone: no empty skeleton stays (issue 21, item 16).
    @Test func ltReloadWithoutFirewallRemovesTheTable() throws {
        let fixture = try NamespacedDaemon(prefix: "ltf")
        defer { fixture.cleanUp() }
        let file = "bindings/guard.toml"
        try fixture.directory.write(file, "[match]\nsubsystem = \"net\"\nkernel = \"lf*\"\n[firewall]\ninput = \"restrict\"\nallow-tcp = [22]\n")
        try fixture.start()
        let device = try fixture.plug("lf" + String(VethPair.uniqueName(prefix: "").prefix(6)), clientAddress: "10.99.2.2")
        #expect(eventually { (try? fixture.mapTarget(device)) != nil })
        try fixture.directory.write(file, "[match]\nsubsystem = \"net\"\nkernel = \"lf*\"\n")
        fixture.signal(SIGHUP)
        #expect(eventually { (try? fixture.table()) == nil }, "the empty table inet hotplugd is removed")
        #expect(fixture.logCount("was changed by") == 0, "its own removal is no change to repair")
    }

    /// A reload that changes one binding's [firewall] rewrites that
    /// binding's rules only, once for all its devices: another binding's
    /// keep their handles, and so do the device chains joining the two.
    @Test func aReloadReplacesOnlyTheChangedBindingsRules() throws {
        let fixture = try NamespacedDaemon(prefix: "hfr")
        defer { fixture.cleanUp() }
        func write(_ name: String, _ body: String) throws {
            try fixture.directory.write("bindings/\(name).toml", "[match]\nsubsystem = \"net\"\nkernel = \"hr*\"\n[firewall]\ninput = \"restrict\"\n" + body)
        }
        try write("keep", "allow-tcp = [22]\n")
        try write("change", "allow-udp = [53]\n")
        try fixture.start()
        let first = try fixture.plug("hr" + String(VethPair.uniqueName(prefix: "").prefix(6)), clientAddress: "10.99.0.2")
        let second = try fixture.plug("hr" + String(VethPair.uniqueName(prefix: "").prefix(6)), clientAddress: "10.99.1.2")
        func handles(_ chain: String) -> String {
            (try? fixture.host.run("/usr/sbin/nft", "-a", "list", "chain", "inet", "hotplugd", chain).stdout) ?? ""
        }
        #expect(eventually { handles("if\(second)-in").contains("jump allow-in-change") })
        #expect(try fixture.mapTarget(first) == "if\(first)-in", "two bindings restrict the device: a chain of its own")
        let kept = [handles("allow-in-keep"), handles("if\(first)-in"), handles("if\(second)-in")]
        let before = handles("allow-in-change")
        #expect(before.contains("udp dport 53") && kept.allSatisfy { $0.contains("# handle") })
        try write("change", "allow-udp = [54]\n")
        fixture.signal(SIGHUP)
        #expect(eventually { handles("allow-in-change").contains("udp dport 54") })
        #expect(fixture.waitForLog("firewall rules replaced", count: 2), "in place, on both devices")
        #expect([handles("allow-in-keep"), handles("if\(first)-in"), handles("if\(second)-in")] == kept,
                "the other binding's rules and the device chains: same rules, same handles")
        #expect(fixture.logCount("was changed by") == 0)

        // status shows the stage; watching nftables costs no idle wake-ups.
        let status = try Shell.run([HotplugdBinary.path, "status", "--socket", fixture.directory.path + "/control.sock"])
        #expect(status.stdout.contains("configured") && status.stdout.contains("firewall"), "\(status.stdout)")
        let pid = try #require(fixture.daemon?.process.processIdentifier)
        func switches() -> String? {
            (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8))?
                .split(separator: "\n").first { $0.hasPrefix("voluntary_ctxt_switches") }.map(String.init)
        }
        usleep(300_000)
        let idle = switches()
        usleep(1_500_000)
        #expect(switches() == idle, "no wake-up in 1.5 s of idling with the nftables watch open")
    }
}
