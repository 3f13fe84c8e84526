import Testing
@testable import HotplugCore

/// The daemon answers a firewall setup at the end of its loop turn
/// (`Daemon.flushFirewall`), so whatever else the turn brings (a remove, a
/// reload, a shutdown, more devices) reaches the core between the setup and
/// its answer. Whatever it is, no rules outlive their attachment and no child
/// starts for what is gone.
struct LateFirewallAnswerTests {
    typealias H = SupervisorHarness
    static let v0 = FakeDevices.veth("v0")
    static let v1 = FakeDevices.veth("v1", ifindex: 43)
    static let removeV0 = Supervisor.Event.deviceRemoved(devpath: "/devices/virtual/net/v0", ifindex: 42)

    static func binding(link: LinkSettings? = FirewallStageTests.glk, exec: Bool = true) -> Binding {
        FirewallStageTests.binding(link: link, exec: exec)
    }

    static func spawns(_ effects: [Effect]) -> Int { H.spawns(effects).count }

    @Test func aRemoveBeforeTheAnswerLeavesNoRulesAndNoChild() {
        var h = H([Self.binding()])
        let effects = h.turn([.deviceAdded(Self.v0), Self.removeV0])
        #expect(FirewallStageTests.stages(effects) == ["+link", "+firewall", "-firewall", "-link"])
        #expect(Self.spawns(effects) == 0)
        #expect(h.firewallRules.isEmpty)
        #expect(h.supervisor.status().isEmpty && h.supervisor.devices.isEmpty)
    }

    @Test func aRemoveBeforeAFailedAnswerLeavesNothing() {
        var h = H([Self.binding(link: nil)])
        h.firewallFailure = "nftables: Operation not permitted"
        let effects = h.turn([.deviceAdded(Self.v0), Self.removeV0])
        #expect(FirewallStageTests.stages(effects) == ["+firewall"], "nothing was set up, so nothing is torn down")
        #expect(h.firewallRules.isEmpty && h.supervisor.status().isEmpty && h.supervisor.devices.isEmpty)
    }

    @Test func aReloadThatDropsTheBindingBeforeTheAnswer() {
        var h = H([Self.binding()])
        let effects = h.turn([.deviceAdded(Self.v0), .reload(Configuration(bindings: []))])
        #expect(Self.spawns(effects) == 0)
        #expect(h.firewallRules.isEmpty)
        #expect(h.supervisor.status().isEmpty)
    }

    @Test func aReloadThatChangesTheRulesBeforeTheAnswerInstallsTheNewOnes() throws {
        var h = H([Self.binding(link: nil)])
        var changed = Self.binding(link: nil)
        changed.firewall?.allowUDP = [PortRange(53, 53)!]
        let effects = h.turn([.deviceAdded(Self.v0), .reload(Configuration(bindings: [changed]))])
        let requests = effects.compactMap { if case .setUp(_, .firewall(let request)) = $0 { request } else { nil } }
        #expect(requests.last?.settings == changed.firewall, "the last rules written are the reloaded ones")
        #expect(Self.spawns(effects) == 1, "one child, started once the new rules are in")
        #expect(h.state("cable") == "running")
        #expect(h.firewallRules.count == 1)
        let pid = try #require(h.pid("cable"))
        h.send(Self.removeV0)
        h.send(.childExited(pid: pid, .signaled(15)))
        #expect(h.firewallRules.isEmpty && h.supervisor.status().isEmpty)
    }

    @Test func aReloadThatRemovesTheFirewallBeforeTheAnswer() {
        var h = H([Self.binding(link: nil)])
        var open = Self.binding(link: nil)
        open.firewall = nil
        let effects = h.turn([.deviceAdded(Self.v0), .reload(Configuration(bindings: [open]))])
        #expect(h.firewallRules.isEmpty, "the late rules are taken away again")
        #expect(Self.spawns(effects) == 1)
        #expect(h.state("cable") == "running")
    }

    @Test func aShutdownBeforeTheAnswerTearsTheRulesDownAndExits() {
        var h = H([Self.binding()])
        let effects = h.turn([.deviceAdded(Self.v0), .shutdown])
        #expect(Self.spawns(effects) == 0)
        #expect(h.firewallRules.isEmpty)
        #expect(effects.last == .exit && effects.filter { $0 == .exit }.count == 1)
        #expect(h.supervisor.status().isEmpty)
    }

    @Test func aRestartBeforeTheAnswerStartsOneChild() {
        var h = H([Self.binding(link: nil)])
        let effects = h.turn([.deviceAdded(Self.v0), .restart(binding: "cable", device: nil)])
        #expect(Self.spawns(effects) == 1)
        #expect(h.state("cable") == "running" && h.firewallRules.count == 1)
    }

    @Test func aChangeThatNoLongerMatchesBeforeTheAnswer() {
        var h = H([Self.binding(link: nil)])
        var renamed = Self.v0
        renamed.sysname = "x0"
        renamed.properties["INTERFACE"] = "x0"
        let effects = h.turn([.deviceAdded(Self.v0), .deviceChanged(renamed)])
        #expect(Self.spawns(effects) == 0)
        #expect(h.firewallRules.isEmpty && h.supervisor.status().isEmpty)
    }

    /// Two devices in one turn are answered together (one transaction in
    /// the daemon); removing one later takes only its rules.
    @Test func aSecondDeviceInTheSameTurn() throws {
        var h = H([Self.binding(link: nil)])
        let effects = h.turn([.deviceAdded(Self.v0), .deviceAdded(Self.v1)])
        let firewallSetups = effects.filter { if case .setUp(_, .firewall) = $0 { true } else { false } }
        #expect(firewallSetups.count == 2)
        #expect(Self.spawns(effects) == 2)
        #expect(h.firewallRules.count == 2)
        let first = try #require(h.supervisor.status().first { $0.sysname == "v0" })
        h.send(Self.removeV0)
        h.send(.childExited(pid: try #require(first.pid), .signaled(15)))
        #expect(h.firewallRules.map(\.device) == [h.supervisor.status().first?.device].compactMap { $0 })
        #expect(h.supervisor.status().map(\.sysname) == ["v1"])
    }

    /// A device removed and plugged in again in one turn is a new device:
    /// the old one's late rules go, the new one's stay.
    @Test func aReplugBeforeTheAnswer() {
        var h = H([Self.binding(link: nil)])
        let effects = h.turn([.deviceAdded(Self.v0), Self.removeV0, .deviceAdded(Self.v0)])
        #expect(Self.spawns(effects) == 1)
        #expect(h.firewallRules.count == 1)
        #expect(h.supervisor.status().count == 1 && h.state("cable") == "running")
        #expect(h.firewallRules.first?.device == h.supervisor.status().first?.device)
    }

    /// A reload replaces the rules in place (the child keeps running); the
    /// device goes before the replacement is answered: nothing is left.
    @Test func aRemoveBeforeAReplacementIsAnsweredLeavesNoRules() {
        var h = H([Self.binding(link: nil, exec: false)])
        h.send(.deviceAdded(Self.v0))
        #expect(h.state("cable") == "configured" && h.firewallRules.count == 1)
        var changed = Self.binding(link: nil, exec: false)
        changed.firewall?.allowUDP = [PortRange(53, 53)!]
        h.turn([.reload(Configuration(bindings: [changed])), Self.removeV0])
        #expect(h.firewallRules.isEmpty)
        #expect(h.supervisor.status().isEmpty && h.supervisor.devices.isEmpty)
    }

    /// The same with a child: the rules go after it stopped, and the late
    /// replacement does not bring them back.
    @Test func aRemoveBeforeAReplacementIsAnsweredWithAChild() throws {
        var h = H([Self.binding(link: nil)])
        h.send(.deviceAdded(Self.v0))
        let pid = try #require(h.pid("cable"))
        var changed = Self.binding(link: nil)
        changed.firewall?.allowUDP = [PortRange(53, 53)!]
        h.turn([.reload(Configuration(bindings: [changed])), Self.removeV0])
        #expect(h.firewallRules.count == 1, "the child is still stopping")
        h.send(.childExited(pid: pid, .signaled(15)))
        #expect(h.firewallRules.isEmpty && h.supervisor.status().isEmpty)
    }
}
