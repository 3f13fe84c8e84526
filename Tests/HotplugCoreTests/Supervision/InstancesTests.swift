import Testing
@testable import HotplugCore

/// `instances = N`: N children per device, each with its own state,
/// backoff and restarts; a rolling restart takes one at a time.
struct InstancesTests {
    typealias H = SupervisorHarness
    static let v0 = "/devices/virtual/net/v0"

    static func workers(_ count: Int, restart: RestartPolicy = .onFailure) -> Binding {
        var binding = Bindings.binding("web", restart: restart)
        binding.exec?.instances = count
        binding.exec?.command.append(try! Template(parsing: "{instance}"))
        return binding
    }

    /// `hotplugd restart` says how many instances it restarts: workers,
    /// not devices (issue 21, item 16).
    @Test func ltRestartCountsWorkersNotDevices() {
        var h = H([Self.workers(3)])
        h.send(.deviceAdded(FakeDevices.veth("v0", ifindex: 1)))
        h.send(.deviceAdded(FakeDevices.veth("v1", ifindex: 2)))
        let targets = h.supervisor.restartTargets(binding: "web", device: nil)
        #expect(targets.count == 2)
        #expect(h.supervisor.workerCount(targets) == 6)
        #expect(h.supervisor.workerCount(h.supervisor.restartTargets(binding: "web", device: "v1")) == 3)
    }

    @Test func eachDeviceGetsNChildrenAndStatusARowEach() {
        var h = H([Self.workers(3)])
        let spawns = H.spawns(h.send(.deviceAdded(FakeDevices.veth("v0"))))
        #expect(spawns.map(\.argv) == [["/bin/child", "v0", "0"], ["/bin/child", "v0", "1"], ["/bin/child", "v0", "2"]])
        #expect(spawns.map { $0.environment.last { $0.hasPrefix("HOTPLUGD_INSTANCE=") } } == ["HOTPLUGD_INSTANCE=0", "HOTPLUGD_INSTANCE=1", "HOTPLUGD_INSTANCE=2"])
        let rows = h.supervisor.status()
        #expect(rows.map(\.instance) == [0, 1, 2])
        #expect(rows.allSatisfy { $0.state == "running" && $0.stage == .children })
        #expect(Set(rows.compactMap(\.pid)).count == 3)
        #expect(h.supervisor.summary == "1 device, 3 running")
    }

    @Test func oneWorkerBacksOffAlone() {
        var h = H([Self.workers(2)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let first = h.supervisor.status()[0].pid!
        h.send(.childExited(pid: first, .exited(1)))
        #expect(h.supervisor.status().map(\.state) == ["backoff", "running"])
        let respawn = h.advance(.milliseconds(500))
        #expect(H.spawns(respawn).map(\.argv) == [["/bin/child", "v0", "0"]])
        #expect(h.supervisor.status().map(\.restarts) == [1, 0])
    }

    @Test func removeStopsEveryWorkerAtOnceAndForgetsWhenAllAreGone() {
        var h = H([Self.workers(3)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pids = h.supervisor.status().compactMap(\.pid)
        #expect(Set(H.signals(h.send(.deviceRemoved(devpath: Self.v0, ifindex: 42))).map(\.0)) == Set(pids))
        h.send(.childExited(pid: pids[0], .signaled(15)))
        h.send(.childExited(pid: pids[2], .signaled(15)))
        #expect(h.supervisor.status().count == 3, "kept while one still stops")
        h.send(.childExited(pid: pids[1], .signaled(15)))
        #expect(h.supervisor.status().isEmpty)
    }

    @Test func restartIsRollingOneWorkerAtATime() {
        var h = H([Self.workers(3)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        var pids = h.supervisor.status().compactMap(\.pid)
        #expect(H.signals(h.send(.restart(binding: "web", device: nil))).map(\.0) == [pids[0]])
        for index in 0..<3 {
            #expect(h.supervisor.status().filter { $0.state == "running" }.count == 2, "the others keep serving")
            let next = h.send(.childExited(pid: pids[index], .signaled(15)))
            #expect(H.spawns(next).map(\.argv) == [["/bin/child", "v0", String(index)]])
            if index < 2 {
                #expect(H.signals(next).map(\.0) == [pids[index + 1]], "the next one stops once this one runs")
            } else {
                #expect(H.signals(next).isEmpty)
            }
            pids = h.supervisor.status().compactMap(\.pid)
        }
        #expect(h.supervisor.status().map(\.restarts) == [1, 1, 1])
        #expect(h.supervisor.status().allSatisfy { $0.state == "running" })
    }

    @Test func rollingRestartStartsExitedWorkersAndMovesOn() {
        var h = H([Self.workers(2, restart: .no)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pids = h.supervisor.status().compactMap(\.pid)
        h.send(.childExited(pid: pids[0], .exited(0)))
        let effects = h.send(.restart(binding: "web", device: nil))
        #expect(H.spawns(effects).map(\.argv) == [["/bin/child", "v0", "0"]])
        #expect(H.signals(effects).map(\.0) == [pids[1]])
    }

    @Test func aRemoveDuringARollingRestartStopsEverythingAndStartsNothing() {
        var h = H([Self.workers(2)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pids = h.supervisor.status().compactMap(\.pid)
        h.send(.restart(binding: "web", device: nil))
        #expect(H.signals(h.send(.deviceRemoved(devpath: Self.v0, ifindex: 42))).map(\.0) == [pids[1]])
        #expect(H.spawns(h.send(.childExited(pid: pids[0], .signaled(15)))).isEmpty)
        #expect(H.spawns(h.send(.childExited(pid: pids[1], .signaled(15)))).isEmpty)
        #expect(h.supervisor.status().isEmpty)
    }

    @Test func everySpawnFailingFailsTheStage() {
        var h = H([Self.workers(2)])
        h.spawnFailure = "exec /bin/child: No such file or directory"
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        #expect(h.supervisor.status().map(\.state) == ["failed", "failed"])
        #expect(h.supervisor.status().allSatisfy { $0.stage == .children && $0.error == "exec /bin/child: No such file or directory" })
        h.spawnFailure = nil
        h.send(.restart(binding: "web", device: nil))
        #expect(h.supervisor.status().map(\.state) == ["running", "running"])
    }
}

/// Processes a child left in its process group are stopped with the
/// device, also when the child itself has exited (they used to survive).
struct LeftoverProcessTests {
    typealias H = SupervisorHarness

    @Test func anExitedChildsGroupIsStoppedOnRemoveThenKilledAtTheTimeout() {
        var h = H([Bindings.binding("cable", restart: .no)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pid = h.pid("cable")!
        h.send(.childLeftProcesses(pid: pid))
        h.send(.childExited(pid: pid, .exited(0)))
        #expect(h.state("cable") == "exited")
        let removal = h.send(.deviceRemoved(devpath: "/devices/virtual/net/v0", ifindex: 42))
        #expect(H.signals(removal).map(\.0) == [pid] && H.signals(removal).map(\.1) == [.terminate])
        #expect(h.state("cable") == "stopping")
        let killed = h.advance(.seconds(5))
        #expect(H.signals(killed).map(\.1) == [.kill])
        #expect(h.supervisor.status().isEmpty)
    }

    @Test func leftoversOfAChildStoppedOnRemoveAreStoppedToo() {
        var h = H([Bindings.binding("cable")])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pid = h.pid("cable")!
        h.send(.deviceRemoved(devpath: "/devices/virtual/net/v0", ifindex: 42))
        h.send(.childLeftProcesses(pid: pid))
        let exit = h.send(.childExited(pid: pid, .signaled(15)))
        #expect(H.signals(exit).map(\.0) == [pid], "the rest of the group gets the stop signal")
        #expect(h.supervisor.status().count == 1)
        h.advance(.seconds(5))
        #expect(h.supervisor.status().isEmpty)
    }

    @Test func leftoversThatGoAtTheStopSignalEndTheStopEarly() {
        var h = H([Bindings.binding("cable")])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pid = h.pid("cable")!
        h.send(.deviceRemoved(devpath: "/devices/virtual/net/v0", ifindex: 42))
        h.send(.childLeftProcesses(pid: pid))
        h.send(.childExited(pid: pid, .signaled(15)))
        let probe = h.advance(.milliseconds(100))
        #expect(H.signals(probe).map(\.1) == [.continue], "asks whether anything is left")
        #expect(h.supervisor.status().count == 1)
        h.send(.leftoversGone(pid: pid))
        #expect(h.supervisor.status().isEmpty, "forgotten without waiting for stop-timeout")
    }

    @Test func withoutLeftoversRemoveForgetsAtOnce() {
        var h = H([Bindings.binding("cable", restart: .no)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        h.send(.childExited(pid: h.pid("cable")!, .exited(0)))
        #expect(H.signals(h.send(.deviceRemoved(devpath: "/devices/virtual/net/v0", ifindex: 42))).isEmpty)
        #expect(h.supervisor.status().isEmpty)
    }
}

/// `status` says when a child in backoff is tried again, and tells a stop
/// hotplugd asked for from a crash.
struct StatusDetailTests {
    typealias H = SupervisorHarness

    @Test func backoffShowsTheNextTry() {
        var h = H([Bindings.binding("cable")])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        h.send(.childExited(pid: h.pid("cable")!, .exited(1)))
        #expect(h.supervisor.status().first?.nextTry == h.clock + .milliseconds(500))
        #expect(h.supervisor.status().first?.lastExitWasRequested == false)
    }

    @Test func aRestartIsNotShownAsACrash() {
        var h = H([Bindings.binding("cable")])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pid = h.pid("cable")!
        h.send(.restart(binding: "cable", device: nil))
        h.send(.childExited(pid: pid, .signaled(15)))
        let row = h.supervisor.status().first
        #expect(row?.lastExit == .signaled(15) && row?.lastExitWasRequested == true && row?.nextTry == nil)
        let json = StatusDocument.lastExit(row?.lastExit, requested: true).serialized()
        #expect(json.contains("\"text\":\"stopped by hotplugd (killed by SIGTERM)\"") && json.contains("\"requested\":true"))
    }
}
