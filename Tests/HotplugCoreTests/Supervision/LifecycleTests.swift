import Testing
@testable import HotplugCore

/// The per-device lifecycle: stages set up in order, torn down in reverse,
/// exactly those that were set up; a failed stage keeps its reason and is
/// retried; `status` shows the stage.
struct LifecycleTests {
    typealias H = SupervisorHarness
    static let glk = LinkSettings(name: try! InterfaceNameTemplate(parsing: "glk{n}"), mtu: 1400)
    static let v0 = "/devices/virtual/net/v0"

    static func setUps(_ effects: [Effect]) -> [Stage] {
        effects.compactMap { if case .setUp(_, let setup) = $0 { setup.stage } else { nil } }
    }

    static func tearDowns(_ effects: [Effect]) -> [Stage] {
        effects.compactMap { if case .tearDown(_, let stage) = $0 { stage } else { nil } }
    }

    static func spawns(of binding: String, _ effects: [Effect]) -> Int {
        effects.filter { if case .setUp(let id, .children) = $0 { id.binding == binding } else { false } }.count
    }

    @Test func stagesAreSetUpInOrderAndTornDownInReverse() {
        var h = H([Bindings.binding("cable", link: Self.glk)])
        #expect(Self.setUps(h.send(.deviceAdded(FakeDevices.veth("v0")))) == [.link, .children])
        let pid = h.pid("cable")!
        let removal = h.send(.deviceRemoved(devpath: Self.v0, ifindex: 42))
        #expect(H.signals(removal).map(\.0) == [pid])
        #expect(Self.tearDowns(removal).isEmpty, "the link is torn down only after the child is gone")
        #expect(Self.tearDowns(h.send(.childExited(pid: pid, .signaled(15)))) == [.link])
        #expect(h.supervisor.status().isEmpty)
    }

    @Test func aStageThatFailedIsNotTornDownAndTheOnesAfterItNeverStart() {
        var h = H([Bindings.binding("cable", link: Self.glk)])
        h.linkFailure = "rename v0 to glk0: File exists"
        #expect(Self.setUps(h.send(.deviceAdded(FakeDevices.veth("v0")))) == [.link])
        #expect(h.state("cable") == "failed")
        let removal = h.send(.deviceRemoved(devpath: Self.v0, ifindex: 42))
        #expect(Self.tearDowns(removal).isEmpty && H.signals(removal).isEmpty)
        #expect(h.supervisor.status().isEmpty)
    }

    @Test func statusShowsTheStage() {
        var h = H([Bindings.binding("owner", link: Self.glk, settle: .milliseconds(100)), Bindings.binding("watcher")])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let stage = { (name: String) in h.supervisor.status().first { $0.binding == name }?.stage }
        #expect(stage("owner") == nil, "settling: no stage yet")
        #expect(h.state("watcher") == "configuring" && stage("watcher") == .link, "waits for the owner's link")
        h.advance(.milliseconds(100))
        #expect(stage("owner") == .children && stage("watcher") == .children)
        var failing = H([Bindings.binding("cable", link: Self.glk)])
        failing.linkFailure = "no"
        failing.send(.deviceAdded(FakeDevices.veth("v0")))
        #expect(failing.supervisor.status().first?.stage == .link)
        #expect(H([Bindings.binding("lab", link: Self.glk, exec: false)]).supervisor.status().isEmpty)
    }

    /// A backoff that falls due in the same `handle` as the link owner's
    /// link setup used to spawn the waiting worker twice (once at the
    /// deadline, once more when the link was configured) and kill one.
    @Test func aBackoffDueWhileTheOwnerConfiguresTheLinkSpawnsOnce() {
        var h = H([Bindings.binding("owner", link: Self.glk), Bindings.binding("watcher")])
        h.linkFailure = "rename v0 to glk0: File exists"
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        #expect(h.state("owner") == "failed" && h.state("watcher") == "running")
        h.send(.childExited(pid: h.pid("watcher")!, .exited(1)))
        #expect(h.state("watcher") == "backoff")
        h.linkFailure = nil
        h.clock = h.supervisor.nextDeadline!
        let effects = h.send(.restart(binding: "owner", device: nil))
        #expect(Self.spawns(of: "watcher", effects) == 1)
        #expect(H.signals(effects).isEmpty, "no child is started only to be killed")
        #expect(h.state("watcher") == "running" && h.state("owner") == "running")
        #expect(h.supervisor.status().first { $0.binding == "watcher" }?.interface == "glk0")
    }

    @Test func restartKeepsTheLinkAndRetriesAFailedStage() {
        var h = H([Bindings.binding("cable", link: Self.glk)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pid = h.pid("cable")!
        let stopping = h.send(.restart(binding: "cable", device: "glk0"))
        #expect(H.signals(stopping).map(\.0) == [pid])
        #expect(Self.setUps(h.send(.childExited(pid: pid, .signaled(15)))) == [.children], "the link stays as it is")

        var failing = H([Bindings.binding("cable", link: Self.glk)])
        failing.spawnFailure = "exec /bin/child: No such file or directory"
        failing.send(.deviceAdded(FakeDevices.veth("v0")))
        #expect(failing.state("cable") == "failed")
        failing.spawnFailure = nil
        #expect(Self.setUps(failing.send(.restart(binding: "cable", device: nil))) == [.children])
        #expect(failing.state("cable") == "running")
    }

    @Test func aFailedStageIsRetriedOnTheNextChange() {
        var h = H([Bindings.binding("cable")])
        h.spawnFailure = "exec /bin/child: Permission denied"
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        #expect(h.state("cable") == "failed")
        h.spawnFailure = nil
        #expect(H.spawns(h.send(.deviceChanged(FakeDevices.veth("v0")))).count == 1)
        #expect(h.state("cable") == "running")
    }

    @Test func aReloadThatChangesTheLinkRedoesItAfterTheChildStops() {
        var h = H([Bindings.binding("cable", link: Self.glk)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pid = h.pid("cable")!
        var changed = Bindings.binding("cable", link: Self.glk)
        changed.link?.mtu = 9000
        let stopping = h.send(.reload(Configuration(bindings: [changed])))
        #expect(H.signals(stopping).map(\.0) == [pid] && Self.tearDowns(stopping).isEmpty)
        let again = h.send(.childExited(pid: pid, .signaled(15)))
        #expect(Self.tearDowns(again) == [.link])
        #expect(Self.setUps(again) == [.link, .children])
    }

    /// Only `description` changed: nothing the binding does changed, so its
    /// child keeps running (it used to be restarted).
    @Test func aReloadThatChangesOnlyTheDescriptionKeepsTheChild() {
        var h = H([Bindings.binding("cable", link: Self.glk)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pid = h.pid("cable")
        var described = Bindings.binding("cable", link: Self.glk)
        described.description = "now with words"
        let effects = h.send(.reload(Configuration(bindings: [described])))
        #expect(H.signals(effects).isEmpty && Self.setUps(effects).isEmpty && Self.tearDowns(effects).isEmpty)
        #expect(h.pid("cable") == pid)
    }

    /// A reload used to cut a settle window short: the child started at
    /// once, and a remove in what was left of the window no longer
    /// cancelled it.
    @Test func aReloadKeepsTheSettleWindow() {
        var h = H([Bindings.binding("cable", settle: .seconds(1))])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        h.advance(.milliseconds(500))
        let deadline = h.supervisor.nextDeadline
        var changed = Bindings.binding("cable", settle: .seconds(1))
        changed.exec?.stopTimeout = .seconds(2)
        #expect(H.spawns(h.send(.reload(Configuration(bindings: [changed])))).isEmpty)
        #expect(h.state("cable") == "settling" && h.supervisor.nextDeadline == deadline)
        h.advance(.milliseconds(200))
        h.send(.deviceRemoved(devpath: Self.v0, ifindex: 42))
        #expect(H.spawns(h.advance(.seconds(2))).isEmpty)
        #expect(h.supervisor.status().isEmpty)
    }

    @Test func restartTargetsOnlyTheNamedDevice() {
        var h = H([Bindings.binding("cable")])
        h.send(.deviceAdded(FakeDevices.veth("v0", ifindex: 1)))
        h.send(.deviceAdded(FakeDevices.veth("v1", ifindex: 2)))
        #expect(h.supervisor.restartTargets(binding: "cable", device: "v1").count == 1)
        #expect(h.supervisor.restartTargets(binding: "cable", device: "/sys/devices/virtual/net/v0").count == 1)
        #expect(h.supervisor.restartTargets(binding: "cable", device: nil).count == 2)
        #expect(h.supervisor.restartTargets(binding: "cable", device: "v7").isEmpty)
        #expect(h.supervisor.restartTargets(binding: "other", device: "v0").isEmpty)
    }

    @Test func aLinkOnlyBindingEndsConfiguredAtTheLinkStage() {
        var h = H([Bindings.binding("lab", link: Self.glk, exec: false)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        #expect(h.state("lab") == "configured")
        #expect(h.supervisor.status().first?.stage == .link)
        #expect(Self.tearDowns(h.send(.deviceRemoved(devpath: Self.v0, ifindex: 42))) == [.link])
    }
}

/// The sockets stage: between the link and the children, kept across a
/// child's restart, closed only after every child has stopped.
struct SocketsStageTests {
    typealias H = SupervisorHarness

    static func web(instances: Int = 2) -> Binding {
        var binding = Bindings.binding("web", link: LifecycleTests.glk)
        binding.exec?.instances = instances
        binding.listen = ListenSettings(stream: [ListenAddress(host: .any, port: 8080)], name: "web")
        return binding
    }

    @Test func opensAfterTheLinkAndClosesAfterTheChildren() {
        var h = H([Self.web()])
        let added = h.send(.deviceAdded(FakeDevices.veth("v0")))
        #expect(LifecycleTests.setUps(added) == [.link, .sockets, .children, .children])
        let requests = added.compactMap { if case .setUp(_, .sockets(let request)) = $0 { request } else { nil } }
        guard let request = requests.first else {
            Issue.record("expected the sockets' setup: \(added)")
            return
        }
        #expect(request.interface == "glk0", "named by the interface's name after the rename")
        #expect(request.ifindex == 42, "bound by index, which no rename makes stale")
        #expect(request.workers == 2)
        let pids = h.supervisor.status().compactMap(\.pid)
        #expect(LifecycleTests.tearDowns(h.send(.deviceRemoved(devpath: LifecycleTests.v0, ifindex: 42))).isEmpty)
        h.send(.childExited(pid: pids[0], .signaled(15)))
        #expect(LifecycleTests.tearDowns(h.send(.childExited(pid: pids[1], .signaled(15)))) == [.sockets, .link])
    }

    @Test func aSocketThatCannotOpenFailsTheStageAndNoChildStarts() {
        var h = H([Self.web()])
        h.socketFailure = "cannot listen on 8080: the port is already in use by another program"
        let added = h.send(.deviceAdded(FakeDevices.veth("v0")))
        #expect(LifecycleTests.setUps(added) == [.link, .sockets])
        #expect(h.supervisor.status().map(\.state) == ["failed", "failed"])
        #expect(h.supervisor.status().allSatisfy { $0.stage == .sockets && $0.error?.contains("already in use") == true })
        h.socketFailure = nil
        #expect(LifecycleTests.setUps(h.send(.restart(binding: "web", device: nil))) == [.sockets, .children, .children])
    }

    /// A quick replug: the old device's sockets are open until its child
    /// has stopped, so the new device's open fails on our own port; it is
    /// tried again right after they close, not left failed.
    @Test func fiASocketsStageFailedOnOurOwnPortIsRetriedWhenTheOldSocketsClose() {
        var h = H([Self.web(instances: 1)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let old = h.pid("web")!
        h.send(.deviceRemoved(devpath: LifecycleTests.v0, ifindex: 42))
        h.socketFailure = "cannot listen on 8080: the port is still held by hotplugd itself"
        h.socketFailureAwaitsOwnSockets = true
        h.send(.deviceAdded(FakeDevices.veth("v1", ifindex: 43)))
        #expect(h.supervisor.status().contains { $0.state == "failed" && $0.stage == .sockets })
        h.socketFailure = nil
        let closed = h.send(.childExited(pid: old, .signaled(15)))
        let order = closed.compactMap { effect -> String? in
            switch effect {
            case .tearDown(_, .sockets): "closed"
            case .setUp(_, .sockets): "opened"
            default: nil
            }
        }
        #expect(order == ["closed", "opened"], "\(closed)")
        #expect(h.supervisor.status().map(\.state) == ["running"])
    }

    @Test func restartAndCrashesKeepTheSockets() {
        var h = H([Self.web()])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pids = h.supervisor.status().compactMap(\.pid)
        h.send(.childExited(pid: pids[0], .exited(1)))
        let restarted = h.advance(.milliseconds(500)) + h.send(.restart(binding: "web", device: nil))
        #expect(LifecycleTests.tearDowns(restarted).isEmpty)
        #expect(!LifecycleTests.setUps(restarted).contains(.sockets))
    }

    @Test func aReloadThatChangesListenReopensTheSocketsButKeepsTheLink() {
        var h = H([Self.web(instances: 1)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pid = h.pid("web")!
        var changed = Self.web(instances: 1)
        changed.listen?.backlog = 512
        h.send(.reload(Configuration(bindings: [changed])))
        let after = h.send(.childExited(pid: pid, .signaled(15)))
        #expect(LifecycleTests.tearDowns(after) == [.sockets])
        #expect(LifecycleTests.setUps(after) == [.sockets, .children])
    }
}
