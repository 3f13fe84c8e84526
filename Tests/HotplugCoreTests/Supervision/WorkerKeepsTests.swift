import Testing
@testable import HotplugCore

/// What a worker keeps for itself rather than reading from the binding of
/// the moment: the stop sequence its child was started with, its retries
/// after a failed respawn, and when its state began.
struct WorkerKeepsTests {
    typealias H = SupervisorHarness
    static let v0 = "/devices/virtual/net/v0"

    static func gentle(_ name: String, restart: RestartPolicy = .onFailure) -> Binding {
        var binding = Bindings.binding(name, restart: restart)
        binding.exec?.stopSignal = .interrupt
        binding.exec?.stopTimeout = .seconds(1)
        return binding
    }

    static func kills(_ effects: [Effect]) -> [Signal] { H.signals(effects).map(\.1) }

    /// The binding is gone from the configuration by the time its child is
    /// stopped: the child still gets its own stop signal and timeout.
    @Test func hsAChildOfADeletedBindingIsStoppedWithItsOwnStopSequence() {
        var h = H([Self.gentle("gentle")])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pid = h.pid("gentle")!
        let reload = h.send(.reload(Configuration(bindings: [])))
        #expect(H.signals(reload).map(\.0) == [pid])
        #expect(Self.kills(reload) == [.interrupt], "its stop-signal, not SIGTERM")
        #expect(Self.kills(h.advance(.milliseconds(999))).isEmpty)
        #expect(Self.kills(h.advance(.milliseconds(1))) == [.kill], "SIGKILL after its own stop-timeout (1 s), not 5 s")
    }

    /// The same when only the `[exec]` goes: the binding stays, link-only.
    @Test func hsAChildWhoseExecWasRemovedIsStoppedWithItsOwnStopSequence() {
        var h = H([Self.gentle("gentle")])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let reload = h.send(.reload(Configuration(bindings: [Bindings.binding("gentle", exec: false)])))
        #expect(Self.kills(reload) == [.interrupt])
        #expect(Self.kills(h.advance(.seconds(1))) == [.kill])
    }

    /// A changed stop-signal applies to the children started after the
    /// reload; the one stopped for it was started under the old one.
    @Test func hsAChangedStopSignalAppliesToTheNextChild() {
        var h = H([Self.gentle("gentle")])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let first = h.pid("gentle")!
        var changed = Self.gentle("gentle")
        changed.exec?.stopSignal = .hangup
        #expect(Self.kills(h.send(.reload(Configuration(bindings: [changed])))) == [.interrupt])
        h.send(.childExited(pid: first, .signaled(2)))
        #expect(h.pid("gentle") != nil && h.pid("gentle") != first)
        #expect(Self.kills(h.send(.deviceRemoved(devpath: Self.v0, ifindex: 42))) == [.hangup])
    }

    /// A respawn after a backoff that cannot start (the program was
    /// removed) is retried with backoff, and recovers once it is back.
    @Test(arguments: [RestartPolicy.always, .onFailure])
    func hsAFailedRespawnIsRetriedWithBackoff(_ policy: RestartPolicy) {
        var h = H([Bindings.binding("cable", restart: policy)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        h.send(.childExited(pid: h.pid("cable")!, .exited(1)))
        #expect(h.state("cable") == "backoff")
        h.spawnFailure = "/bin/child: No such file or directory"
        #expect(H.spawns(h.advance(.milliseconds(500))).count == 1)
        #expect(h.state("cable") == "backoff", "not parked as failed")
        #expect(h.supervisor.status().first?.nextTry == h.clock + .seconds(1), "the delay doubles")
        #expect(H.spawns(h.advance(.milliseconds(999))).isEmpty)
        #expect(H.spawns(h.advance(.milliseconds(1))).count == 1)
        #expect(h.state("cable") == "backoff")
        h.spawnFailure = nil
        #expect(H.spawns(h.advance(.seconds(2))).count == 1)
        #expect(h.state("cable") == "running")
    }

    /// A first start that fails stays failed (`check` warns of a missing
    /// program; retrying at once would flood the log), but a change of the
    /// device, or a reload, retries a worker that failed while the others run.
    @Test func hsAFailedWorkerIsRetriedOnChange() {
        var binding = Bindings.binding("pair")
        binding.exec?.instances = 2
        var h = H([binding])
        h.spawnFailure = "/bin/child: No such file or directory"
        h.spawnFailingWorkers = [1]
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        #expect(h.supervisor.status().map(\.state) == ["running", "failed"])
        #expect(H.spawns(h.advance(.seconds(60))).isEmpty, "not retried by itself")
        h.spawnFailure = nil
        #expect(H.spawns(h.send(.deviceChanged(FakeDevices.veth("v0")))).count == 1, "only the failed worker")
        #expect(h.supervisor.status().map(\.state) == ["running", "running"])
        #expect(h.supervisor.status().map(\.restarts) == [0, 1])
        h.spawnFailure = "again"
        h.send(.childExited(pid: h.supervisor.status()[1].pid!, .exited(1)))
        h.advance(.milliseconds(500))
        h.spawnFailure = nil
        #expect(h.supervisor.status().map(\.state) == ["running", "backoff"])
        #expect(H.spawns(h.send(.reload(Configuration(bindings: [binding])))).isEmpty, "a backoff runs its course")
    }

    /// Every worker's `since` is when its present state began. Status
    /// does not show a worker the teardown ended (the attachment's phase
    /// is shown until the workers start again), so this reads the core.
    @Test func hsATeardownThatEndsAWorkerRestartsItsSince() {
        var binding = Bindings.binding("pair")
        binding.exec?.instances = 2
        binding.listen = ListenSettings(stream: [ListenAddress(host: .any, port: 8080)], name: "web")
        var h = H([binding])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pids = h.supervisor.status().compactMap(\.pid)
        h.send(.childExited(pid: pids[1], .exited(1)))
        #expect(h.supervisor.status()[1].state == "backoff")
        h.advance(.milliseconds(100))
        // New sockets: both workers end, worker 1's backoff by the teardown.
        var changed = binding
        changed.listen = ListenSettings(stream: [ListenAddress(host: .any, port: 8081)], name: "web")
        h.socketFailure = "port 8081 in use"
        h.send(.reload(Configuration(bindings: [changed])))
        h.advance(.milliseconds(100))
        let stoppedAt = h.clock
        h.send(.childExited(pid: pids[0], .signaled(15)))
        #expect(h.state("pair") == "failed")
        let workers = h.supervisor.attachments.values.first?.workers ?? []
        #expect(workers.count == 2)
        for worker in workers {
            #expect(worker.state == .exited && worker.since == stoppedAt, "\(worker.state) since \(worker.since)")
        }
    }
}
