import Testing
@testable import HotplugCore

/// What the supervisor counts: restarts, child exits by reason, stage
/// failures by stage, the spawn latency of an add's children, and the
/// match latency with the clock the shell hands it.
struct SupervisorMetricsTests {
    typealias H = SupervisorHarness
    static let v0 = "/devices/virtual/net/v0"

    @Test func restartsCountWhatStatusCountsAndOutliveTheDevice() {
        var h = H([Bindings.binding("cable")])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        for _ in 0..<3 {
            h.send(.childExited(pid: h.pid("cable")!, .exited(1)))
            h.clock = h.supervisor.nextDeadline!
            h.send(.tick)
        }
        #expect(h.supervisor.status().first?.restarts == 3)
        h.send(.restart(binding: "cable", device: nil))
        h.send(.childExited(pid: h.pid("cable")!, .signaled(15)))
        #expect(h.supervisor.status().first?.restarts == 4)
        #expect(h.supervisor.metrics.restarts == ["cable": 4])
        h.send(.deviceRemoved(devpath: Self.v0, ifindex: 42))
        h.send(.childExited(pid: h.pid("cable")!, .signaled(15)))
        #expect(h.supervisor.status().isEmpty)
        #expect(h.supervisor.metrics.restarts == ["cable": 4], "a counter does not go down with the device")
    }

    @Test func exitsAreCountedByReason() {
        var h = H([Bindings.binding("cable", restart: .always)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        for exit in [ChildExit.exited(0), .exited(3), .signaled(11), .signaled(34)] {
            h.send(.childExited(pid: h.pid("cable")!, exit))
            h.clock = h.supervisor.nextDeadline!
            h.send(.tick)
        }
        h.send(.deviceRemoved(devpath: Self.v0, ifindex: 42))
        h.send(.childExited(pid: h.pid("cable")!, .signaled(15)))
        let exits = h.supervisor.metrics.childExits.reduce(into: [String: UInt64]()) { $0[$1.key.binding + " " + $1.key.reason.label] = $1.value }
        #expect(exits == ["cable success": 1, "cable failure": 1, "cable SIGSEGV": 1, "cable SIG34": 1, "cable stopped": 1])
    }

    @Test func stageFailuresAreCountedByStage() {
        var binding = Bindings.binding("cable")
        binding.firewall = FirewallSettings()
        var h = H([binding])
        h.firewallFailure = "no nftables"
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        #expect(h.state("cable") == "failed")
        h.firewallFailure = nil
        h.spawnFailure = "no such file"
        h.send(.deviceChanged(FakeDevices.veth("v0")))
        #expect(h.state("cable") == "failed")
        #expect(h.supervisor.metrics.stageFailures == [0, 1, 0, 1])
    }

    /// From the add's arrival to the child's start, once per worker; a
    /// restart and a device found at start-up are not an add's latency.
    @Test func spawnLatencyRunsFromTheAddToEachWorkersFirstStart() {
        var binding = Bindings.binding("web")
        binding.exec?.instances = 2
        var h = H([binding])
        h.send(.present([FakeDevices.veth("v9", ifindex: 9)]))
        #expect(h.supervisor.metrics.spawnLatency.count == 0, "coldplug is not an add event")
        h.send(.deviceAdded(FakeDevices.veth("v0")), eachEventAfter: .milliseconds(3))
        // The add at t, the two spawns answered at t+3ms and t+6ms.
        #expect(h.supervisor.metrics.spawnLatency.count == 2)
        #expect(h.supervisor.metrics.spawnLatency.sumNanoseconds == 9_000_000)
        let pid = h.supervisor.status().first { $0.sysname == "v0" }!.pid!
        h.send(.childExited(pid: pid, .exited(1)))
        h.clock = h.supervisor.nextDeadline!
        h.send(.tick)
        #expect(h.supervisor.metrics.spawnLatency.count == 2, "a restart is not counted")
    }

    /// The daemon hands each answer in with the instant its setup finished:
    /// the first child's start is its own, not after the spawns behind it.
    @Test func anAnswerIsHandledAtTheInstantItWasReady() {
        var binding = Bindings.binding("web")
        binding.exec?.instances = 2
        var h = H([binding])
        let added = h.clock
        var runner = EffectRunner(.deviceAdded(FakeDevices.veth("v0")), at: added)
        var ready = added
        while let effect = runner.next(&h.supervisor, now: { added + .seconds(1) }) {
            let answer = h.perform(effect)
            if answer != nil { ready = ready + .milliseconds(1) }
            runner.answer(answer, at: ready)
        }
        #expect(h.supervisor.metrics.spawnLatency.count == 2)
        #expect(h.supervisor.metrics.spawnLatency.sumNanoseconds == 3_000_000, "1 ms and 2 ms, not 1 s")
        #expect(h.supervisor.status().map(\.since) == [added + .milliseconds(1), added + .milliseconds(2)])
    }

    @Test func spawnLatencyStartsWhenTheSettleWindowEnds() {
        var h = H([Bindings.binding("cable", settle: .milliseconds(200))])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        h.clock = h.clock + .milliseconds(250)
        h.send(.tick)
        #expect(h.supervisor.metrics.spawnLatency.count == 1)
        #expect(h.supervisor.metrics.spawnLatency.sumNanoseconds == 50_000_000, "the timer was 50 ms late")
    }

    @Test func aStageThatFailedAndIsRetriedLaterIsNotTheAddsLatency() {
        var h = H([Bindings.binding("cable")])
        h.spawnFailure = "no such file"
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        h.spawnFailure = nil
        h.clock = h.clock + .seconds(60)
        h.send(.deviceChanged(FakeDevices.veth("v0")))
        #expect(h.state("cable") == "running")
        #expect(h.supervisor.metrics.spawnLatency.count == 0)
    }

    @Test func matchLatencyUsesTheShellsClockFromTheEventsArrival() {
        var h = H([Bindings.binding("cable")])
        let matchedAt = h.clock + TimeSpan(nanoseconds: 3_000)
        h.supervisor.metrics.clock = { matchedAt }
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        h.send(.deviceChanged(FakeDevices.veth("v0")))
        h.send(.present([FakeDevices.veth("v0"), FakeDevices.veth("v1")]))
        h.send(.deviceRemoved(devpath: Self.v0, ifindex: 42))
        #expect(h.supervisor.metrics.matchLatency.count == 2, "the add and the change; not a reconcile, not a remove")
        #expect(h.supervisor.metrics.matchLatency.sumNanoseconds == 6_000)
    }

    @Test func everyHandledEventMovesTheGeneration() {
        var h = H([Bindings.binding("cable", kernel: "nomatch*")])
        let before = h.supervisor.metrics.generation
        h.send(.tick)
        #expect(h.supervisor.metrics.generation > before)
        let counted = h.supervisor.metrics.generation
        h.supervisor.metrics.countEvent(EventAction("add"))
        #expect(h.supervisor.metrics.generation > counted)
    }

    @Test func stageIndexesFollowAllCases() {
        #expect(Stage.allCases.map(Metrics.index) == Array(Stage.allCases.indices))
    }

    @Test func actionsOutsideUdevsAreOther() {
        #expect(EventAction("add") == .add && EventAction("unbind") == .unbind && EventAction("offline") == .offline)
        #expect(EventAction("evil\"action") == .other && EventAction("") == .other)
        #expect(EventAction.allCases.map(\.label) == ["add", "remove", "change", "move", "bind", "unbind", "online", "offline", "other"])
    }

    /// The gauges list every state `status` can show.
    @Test func everyStateNameIsAGaugeState() {
        let phases: [AttachmentPhase] = [
            .settling(until: Instant(nanoseconds: 0)), .waitingForLink, .settingUp(.link),
            .failed(.link, "x"), .configured, .supervising,
        ]
        let workerStates: [WorkerState] = [
            .waitingForLink, .starting, .running(pid: 1), .backoff(until: Instant(nanoseconds: 0)),
            .stopping(pid: 1, killAt: Instant(nanoseconds: 0), killed: false),
            .stoppingLeftovers(group: 1, killAt: Instant(nanoseconds: 0), probeAt: Instant(nanoseconds: 0)),
            .exited, .failed("x"),
        ]
        let states = phases.map(\.name) + workerStates.map(\.name)
        #expect(Set(states) == Set(MetricsExposition.rowStates))
        #expect(Set(MetricsExposition.deviceStatePriority) == Set(MetricsExposition.rowStates))
    }
}

extension SupervisorHarness {
    /// Like `send`, but each event the supervisor handles (the answers to
    /// its effects included) happens `step` after the one before.
    mutating func send(_ event: Supervisor.Event, eachEventAfter step: TimeSpan) {
        var runner = EffectRunner(event)
        var clock = self.clock
        while let effect = runner.next(&supervisor, now: { defer { clock = clock + step }; return clock }) {
            runner.answer(perform(effect))
        }
        self.clock = clock
    }
}
