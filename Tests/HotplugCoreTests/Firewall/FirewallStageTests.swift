import Testing
@testable import HotplugCore

/// The firewall stage in the lifecycle: after the link, before the child;
/// removed after the child has stopped; a failure keeps the child from
/// starting (fail closed); a reload redoes it only when `[firewall]` changed.
struct FirewallStageTests {
    typealias H = SupervisorHarness
    static let glk = LinkSettings(name: try! InterfaceNameTemplate(parsing: "glk{n}"))
    static let restrict = FirewallSettings(input: .restrict, allowTCP: [PortRange(8080, 8080)!])

    static func binding(_ firewall: FirewallSettings? = restrict, link: LinkSettings? = glk, exec: Bool = true) -> Binding {
        var binding = Bindings.binding("cable", link: link, exec: exec)
        binding.firewall = firewall
        return binding
    }

    static func stages(_ effects: [Effect]) -> [String] {
        effects.compactMap {
            switch $0 {
            case .setUp(_, let setup): "+\(setup.stage)"
            case .tearDown(_, let stage): "-\(stage)"
            case .signal(_, _, let signal): "signal \(signal.name)"
            default: nil
            }
        }
    }

    @Test func setUpAfterTheLinkAndTornDownAfterTheChild() throws {
        var h = H([Self.binding()])
        #expect(Self.stages(h.send(.deviceAdded(FakeDevices.veth("v0")))) == ["+link", "+firewall", "+children"])
        let request = h.log.compactMap { if case .setUp(_, .firewall(let request)) = $0 { request } else { nil } }.first
        #expect(request == FirewallRequest(ifindex: 42, binding: "cable", settings: Self.restrict))
        let pid = try #require(h.pid("cable"))
        #expect(Self.stages(h.send(.deviceRemoved(devpath: "/devices/virtual/net/v0", ifindex: 42))) == ["signal SIGTERM"])
        #expect(Self.stages(h.send(.childExited(pid: pid, .signaled(15)))) == ["-firewall", "-link"])
    }

    @Test func aFailedFirewallKeepsTheChildFromStarting() {
        var h = H([Self.binding(link: nil)])
        h.firewallFailure = "nftables: Operation not permitted"
        #expect(Self.stages(h.send(.deviceAdded(FakeDevices.veth("v0")))) == ["+firewall"])
        #expect(h.state("cable") == "failed")
        #expect(h.supervisor.status().first?.stage == .firewall)
        #expect(h.supervisor.status().first?.error == "nftables: Operation not permitted")
        h.firewallFailure = nil
        #expect(Self.stages(h.send(.restart(binding: "cable", device: nil))) == ["+firewall", "+children"])
    }

    /// A changed [firewall] is replaced in place: the child keeps running.
    /// One added or removed is a stage more or less, in order with the child.
    @Test func aReloadReplacesAChangedFirewallWithoutRestartingTheChild() throws {
        var h = H([Self.binding()])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pid = try #require(h.pid("cable"))
        var changed = Self.binding()
        changed.firewall?.allowUDP = [PortRange(53, 53)!]
        let effects = h.send(.reload(Configuration(bindings: [changed])))
        #expect(Self.stages(effects) == ["+firewall"])
        let request = effects.compactMap { if case .setUp(_, .firewall(let request)) = $0 { request } else { nil } }.first
        #expect(request?.settings.allowUDP == [PortRange(53, 53)!])
        #expect(h.pid("cable") == pid && h.state("cable") == "running")
        var described = changed
        described.description = "words only"
        #expect(Self.stages(h.send(.reload(Configuration(bindings: [described])))).isEmpty)

        var removed = described
        removed.firewall = nil
        #expect(Self.stages(h.send(.reload(Configuration(bindings: [removed])))) == ["signal SIGTERM"])
        #expect(Self.stages(h.send(.childExited(pid: pid, .signaled(15)))) == ["-firewall", "+children"], "the link is kept")
        let second = try #require(h.pid("cable"))
        #expect(Self.stages(h.send(.reload(Configuration(bindings: [described])))) == ["signal SIGTERM"])
        #expect(Self.stages(h.send(.childExited(pid: second, .signaled(15)))) == ["+firewall", "+children"])
    }

    @Test func aReloadThatChangesAFailedFirewallRetriesIt() {
        var h = H([Self.binding(link: nil)])
        h.firewallFailure = "Error: syntax error"
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        #expect(h.state("cable") == "failed")
        h.firewallFailure = nil
        var changed = Self.binding(link: nil)
        changed.firewall?.allowUDP = [PortRange(53, 53)!]
        #expect(Self.stages(h.send(.reload(Configuration(bindings: [changed])))) == ["+firewall", "+children"])
        #expect(h.state("cable") == "running")
    }

    @Test func aFailedReplacementKeepsTheChildAndSaysSo() {
        var h = H([Self.binding()])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        var changed = Self.binding()
        changed.firewall?.allowUDP = [PortRange(53, 53)!]
        h.firewallFailure = "Error: Could not process rule"
        let effects = h.send(.reload(Configuration(bindings: [changed])))
        #expect(h.state("cable") == "running")
        #expect(effects.contains { if case .log(let entry) = $0 { entry.message.contains("the previous ones stay") } else { false } })
        #expect(!effects.contains { if case .tearDown = $0 { true } else { false } })
    }

    @Test func aFirewallOnlyBindingIsConfigured() {
        var h = H([Self.binding(link: nil, exec: false)])
        #expect(Self.stages(h.send(.deviceAdded(FakeDevices.veth("v0")))) == ["+firewall"])
        #expect(h.state("cable") == "configured")
        #expect(Self.stages(h.send(.deviceRemoved(devpath: "/devices/virtual/net/v0", ifindex: 42))) == ["-firewall"])
    }
}
