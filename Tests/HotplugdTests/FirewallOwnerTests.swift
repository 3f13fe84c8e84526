import Foundation
import Testing
import TestSupport

/// One network namespace has one table `inet hotplugd`: a second daemon
/// there with `[firewall]` would take the first one's rules away while both
/// look healthy, so it refuses to start (issue 21, item 2). The claim goes
/// with the daemon, crash included.
@Suite(.needsRoot, .serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/nft"),
                                              "needs nftables (scripts/setup installs it)"))
struct FirewallOwnerTests {
    @Test func hdASecondDaemonInTheNamespaceRefusesTheTable() throws {
        let fixture = try NamespacedDaemon(prefix: "hdto")
        defer { fixture.cleanUp() }
        let ifindex = try fixture.startWithGuardedGameDevice()
        let firstPID = try #require(fixture.daemon?.process.processIdentifier)

        // Another configuration, another socket, the same namespace.
        let other = try TemporaryDirectory(prefix: "hotplugd-hdto2")
        try other.write("other.toml", "[match]\nsubsystem = \"net\"\nkernel = \"hdzz*\"\n[firewall]\ninput = \"restrict\"\n")
        func second(_ config: String) throws -> Shell.Output {
            try fixture.host.run(["/usr/bin/timeout", "10", HotplugdBinary.path, "run", "--source", "kernel",
                                  "--config", config, "--socket", other.path + "/control.sock"])
        }
        let refused = try second(other.path + "/other.toml")
        #expect(refused.status == 1, "exit \(refused.status): \(refused.stderr)")
        #expect(refused.stderr.contains("another hotplugd (pid \(firstPID)) already owns the nftables table inet hotplugd"),
                "\(refused.stderr)")
        #expect(!refused.stderr.contains("ready:"))
        #expect(try fixture.mapTarget(ifindex) == "in-game", "the first daemon's device keeps its rules")
        #expect(try fixture.table()?.contains("chain in-other") == false, "the second wrote nothing")

        // Without [firewall] a second daemon never touches nftables: it may run.
        try other.write("plain.toml", "[match]\nsubsystem = \"net\"\nkernel = \"hdzz*\"\n")
        let plain = try RunningProcess(fixture.host.exec + [HotplugdBinary.path, "run", "--source", "kernel",
                                                            "--config", other.path + "/plain.toml", "--socket", other.path + "/control.sock"])
        #expect(plain.waitForLine(timeout: 20, stderr: true, { $0.contains("ready:") }) != nil, "\(plain.errorOutput)")
        plain.stop()

        // A crashed owner holds nothing: the next daemon takes the table.
        fixture.killDaemon()
        try fixture.start()
        #expect(eventually { (try? fixture.mapTarget(ifindex)) == "in-game" })
        #expect(fixture.stopDaemon() == 0)
    }
}

extension NamespacedDaemon {
    /// The firewall tests' common start: a daemon with one restricted binding
    /// ("game", tcp 27015) and one device plugged whose map element leads to
    /// its chain. Returns the device's ifindex.
    func startWithGuardedGameDevice() throws -> Int32 {
        try binding("game", kernel: "hd*", address: "10.99.0.1", ports: [27015],
                    firewall: "input = \"restrict\"\nallow-tcp = [27015]\n")
        try start()
        let ifindex = try plug("hd" + String(VethPair.uniqueName(prefix: "").prefix(6)), clientAddress: "10.99.0.2")
        #expect(waitForLog("listening"))
        #expect(eventually { (try? self.mapTarget(ifindex)) == "in-game" })
        return ifindex
    }
}
