import Testing
@testable import HotplugCore

/// An attachment's phase and a worker's state are two types: what only a
/// worker can be (backing off, stopping, exited) is never an attachment's
/// phase, and stopping what a child left in its group is a state of its
/// own, with the stop sequence the child was started with.
struct WorkerStateTests {
    typealias H = SupervisorHarness
    static let v0 = "/devices/virtual/net/v0"
    static let instant = Instant(nanoseconds: 0)

    /// Every case of each, one of each.
    static let phases: [AttachmentPhase] = [
        .settling(until: instant), .waitingForLink, .settingUp(.link), .failed(.link, "x"), .configured, .supervising,
    ]
    static let workerStates: [WorkerState] = [
        .waitingForLink, .starting, .running(pid: 7), .backoff(until: instant),
        .stopping(pid: 7, killAt: instant, killed: false),
        .stoppingLeftovers(group: 7, killAt: instant, probeAt: instant), .exited, .failed("x"),
    ]

    /// The names `status` shows: backoff, stopping and exited only for a
    /// worker, settling and configured only for an attachment without one.
    @Test func wsWorkerOnlyStatesAreNeverAnAttachmentsPhase() {
        let phaseNames = Set(Self.phases.map(\.name)), workerNames = Set(Self.workerStates.map(\.name))
        #expect(phaseNames.isDisjoint(with: ["backoff", "stopping", "exited"]))
        #expect(workerNames.isDisjoint(with: ["settling", "configured"]))
        #expect(phaseNames.union(workerNames) == Set(MetricsExposition.rowStates))
        #expect(Self.workerStates.filter { $0.name == "stopping" }.count == 2, "a leftovers' stop shows as stopping")
        #expect(Self.phases.map { RowState.phase($0).pid } == Self.phases.map { _ in nil }, "an attachment has no pid of its own")
    }

    /// Through a whole life (plug, crash and backoff, restart, leftovers,
    /// unplug): while the children stage is up every row is a worker's, and
    /// a row in a worker-only state always names its worker.
    @Test func wsEveryWorkerRowComesFromAWorker() {
        var h = H([Bindings.binding("cable")])
        var seen: Set<String> = []
        func check() {
            for attachment in h.supervisor.attachments.values where attachment.state == .supervising {
                for index in attachment.workers.indices {
                    #expect(attachment.rowState(index) == .worker(attachment.workers[index].state))
                }
            }
            for row in h.supervisor.status() {
                seen.insert(row.state)
                if ["backoff", "stopping", "exited"].contains(row.state) { #expect(row.instance != nil, "\(row.state)") }
                if row.pid != nil { #expect(row.instance != nil) }
            }
        }
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        check()
        h.send(.childExited(pid: h.pid("cable")!, .exited(1)))
        check()
        h.advance(.milliseconds(500))
        check()
        let pid = h.pid("cable")!
        h.send(.restart(binding: "cable", device: nil))
        check()
        h.send(.childLeftProcesses(pid: pid))
        h.send(.childExited(pid: pid, .signaled(15)))
        check()
        let second = h.pid("cable")!
        h.send(.childLeftProcesses(pid: second))
        h.send(.deviceRemoved(devpath: Self.v0, ifindex: 42))
        check()
        h.send(.childExited(pid: second, .signaled(15)))
        check()
        h.advance(.seconds(5))
        check()
        #expect(seen == ["running", "backoff", "stopping"])
        #expect(h.supervisor.status().isEmpty)
    }

    /// What a child left in its group is stopped with the sequence the child
    /// was started with, in a state of its own: the shell is asked every
    /// 100 ms whether any remain, and SIGKILL ends it at the child's own
    /// stop-timeout, even when a reload deleted the binding meanwhile.
    @Test func wsLeftoversAreStoppedWithTheWorkersOwnSequence() {
        var h = H([WorkerKeepsTests.gentle("gentle", restart: .no)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pid = h.pid("gentle")!
        h.send(.childLeftProcesses(pid: pid))
        h.send(.childExited(pid: pid, .exited(0)))
        #expect(h.state("gentle") == "exited")
        let reload = h.send(.reload(Configuration(bindings: [])))
        #expect(H.signals(reload).map(\.0) == [pid], "the group, by its leader's pid")
        #expect(WorkerKeepsTests.kills(reload) == [.interrupt], "its stop-signal, not SIGTERM")
        let worker = h.supervisor.attachments.values.first?.workers.first
        #expect(worker?.state == .stoppingLeftovers(group: pid, killAt: h.clock + .seconds(1), probeAt: h.clock + .milliseconds(100)))
        #expect(worker?.leftoverGroup == nil, "taken into the state")
        let row = h.supervisor.status().first
        #expect(row?.state == "stopping" && row?.pid == pid && row?.stage == .children)
        #expect(h.supervisor.reexecChildren.isEmpty, "a group is no child to hand over")
        for probe in 1...9 {
            #expect(WorkerKeepsTests.kills(h.advance(.milliseconds(100))) == [.continue], "probe \(probe)")
        }
        #expect(WorkerKeepsTests.kills(h.advance(.milliseconds(100))) == [.kill], "SIGKILL after its own stop-timeout (1 s), not 5 s")
        #expect(h.supervisor.status().isEmpty)
    }

    /// An exit reported for the group's pid is not the worker's child: the
    /// leftovers' stop goes on, nothing is restarted.
    @Test func wsAnExitForTheGroupDoesNotEndTheLeftoversStop() {
        var h = H([Bindings.binding("cable", restart: .always)])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pid = h.pid("cable")!
        h.send(.deviceRemoved(devpath: Self.v0, ifindex: 42))
        h.send(.childLeftProcesses(pid: pid))
        h.send(.childExited(pid: pid, .signaled(15)))
        let stateBefore = h.supervisor.attachments.values.first?.workers.first?.state
        guard case .stoppingLeftovers = stateBefore else {
            Issue.record("not stopping leftovers: \(String(describing: stateBefore))")
            return
        }
        let again = h.send(.childExited(pid: pid, .exited(0)))
        #expect(H.spawns(again).isEmpty && H.signals(again).isEmpty)
        #expect(h.supervisor.attachments.values.first?.workers.first?.state == stateBefore)
        h.send(.leftoversGone(pid: pid))
        #expect(h.supervisor.status().isEmpty)
    }
}
