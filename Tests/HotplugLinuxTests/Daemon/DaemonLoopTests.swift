import Glibc
import HotplugCore
@testable import HotplugLinux
import Testing

/// The daemon's whole loop (`DaemonLoop`: the wake-ups, each token to its
/// component, the end of each turn) on fake wake-ups, a fake monitor, a
/// fake kernel and a fake clock: what a plug, an unplug, a signal, a
/// deadline and lost events do, turn by turn, without root.
struct DaemonLoopTests {
    let harness: LoopHarness

    init() throws {
        harness = try LoopHarness(["gamelink.toml": DaemonWithFakesTests.binding])
    }

    static let elementDeletion = [#"delete element inet hotplugd input-devices { " 7" }"#]

    @Test func aPlugAndAnUnplugOnTheMonitorRunEveryStageAndUndoThem() throws {
        let h = harness
        try h.loop.start()
        #expect(h.wakeups.watching)
        #expect(h.notifier.messages == ["READY"])
        #expect(h.records.calls == ["prepare", "stop leftovers"], "a clean start stops what a crashed daemon left")
        #expect(h.monitor.enumerations.count == 1, "the devices present, enumerated at start")
        #expect(h.kernel.tableClaims == 1, "a [firewall] binding: the table is claimed before anything")
        let batchesAtStart = h.kernel.firewall.batches.count

        h.plug("usb0", ifindex: 7)
        try h.turnForMonitor()
        #expect(h.kernel.link.calls == ["usb0 rename glk0", "glk0 mtu 1400", "glk0 address 10.42.0.1/24", "glk0 up"])
        #expect(h.kernel.firewall.batches.count == batchesAtStart + 1, "the turn's firewall setups in one transaction")
        #expect(h.kernel.sockets.opened.map(\.address.port) == [8080])
        let child = try #require(h.kernel.processes.spawned.first)
        #expect(h.kernel.processes.spawned.count == 1)
        #expect(child.request.argv == ["/usr/bin/autoconf", "--interface", "glk0"])
        #expect(child.passedSockets == 1)
        #expect(h.records.recorded == [child.processID.rawValue])
        #expect(h.rows.map(\.state) == ["running"])

        let removedAt = h.kernel.clock
        h.unplug(ifindex: 7)
        try h.turnForMonitor()
        #expect(child.signals == [SIGTERM])
        #expect(h.rows.map(\.state) == ["stopping"])
        #expect(h.wakeups.deadline == removedAt + 5_000_000_000, "the stop timeout armed on the deadline timer")

        try h.turnForExit(of: child)
        #expect(h.rows.isEmpty, "forgotten once its child is gone")
        #expect(h.kernel.firewall.batches.last?.lines == Self.elementDeletion)
        #expect(h.loop.socketStage.reexecEntries.isEmpty, "its socket closed")
        #expect(h.records.recorded.isEmpty)
        #expect(h.wakeups.deadline == nil, "nothing due: the timer disarmed")
    }

    @Test func underAWatchdogTheReadyIsFollowedByAPingNotAnIntervalLater() throws {
        let h = harness
        h.notifier.watchdogInterval = 15_000_000_000
        try h.loop.start()
        // After a re-exec systemd's deadline runs from the old image's last
        // ping: the first one cannot wait for the timer.
        #expect(h.notifier.messages == ["READY", "WATCHDOG"])
    }

    @Test func sigtermStopsTheChildThenItsSocketAndRulesAndEndsTheLoop() throws {
        let h = harness
        var child: FakeChild?
        var whileStopping: (batches: Int, sockets: Int, rows: [String])?
        var afterPlug = 0
        h.wakeups.script = [
            { [unowned h] in
                h.plug("usb0", ifindex: 7)
                return [UdevSource<FakeMonitor>.token]
            },
            { [unowned h] in
                child = h.kernel.processes.spawned.first
                afterPlug = h.kernel.firewall.batches.count
                h.wakeups.pendingSignals = [SIGTERM]
                return [Daemon.Token.signals]
            },
            { [unowned h] in
                whileStopping = (h.kernel.firewall.batches.count, h.loop.socketStage.reexecEntries.count, h.rows.map(\.state))
                return child.map { [ChildrenStage<FakeKernel>.token($0.processID, .exit)] } ?? []
            },
        ]
        try h.loop.run()

        let stopped = try #require(child)
        #expect(h.wakeups.waits == 3, "the loop ended on the turn the last child's exit was read")
        #expect(stopped.signals == [SIGTERM])
        #expect(h.notifier.messages == ["READY", "STOPPING"])
        // Reverse order: the child first; its socket and rules stay until it is gone.
        #expect(whileStopping?.rows == ["stopping"])
        #expect(whileStopping?.sockets == 1, "the socket held while the child still runs")
        #expect(whileStopping?.batches == afterPlug, "the rules kept while the child still runs")
        #expect(h.loop.socketStage.reexecEntries.isEmpty)
        let last = h.kernel.firewall.batches.suffix(2).map(\.lines)
        #expect(last.first == Self.elementDeletion, "then the device's rules")
        #expect(last.last?.joined().contains("delete table inet hotplugd") == true, "and on the way out the table")
        #expect(!h.kernel.firewallChanges.watched, "nftables' notifications no longer watched")
        #expect(h.records.calls.last == "close", "the records' directory removed last")
        #expect(h.rows.isEmpty)
        #expect(h.log.contains("all children stopped; exiting"))
    }

    @Test func aChildThatFailsIsStartedAgainWhenTheDeadlineTimerFires() throws {
        let h = harness
        try h.loop.start()
        h.plug("usb0", ifindex: 7)
        try h.turnForMonitor()
        let first = try #require(h.kernel.processes.spawned.first)

        let exitedAt = h.kernel.clock
        first.exits(.exited(3))
        try h.turnForExit(of: first)
        #expect(h.rows.map(\.state) == ["backoff"])
        #expect(h.wakeups.deadline == exitedAt + 500_000_000, "restart-delay = 500ms, on the deadline timer")
        #expect(h.kernel.processes.spawned.count == 1)

        try h.turnForDeadline()
        #expect(h.kernel.processes.spawned.count == 2)
        #expect(h.rows.map(\.state) == ["running"])
        #expect(h.rows.first?.restarts == 1)
        #expect(h.kernel.sockets.opened.count == 1, "the same socket passed again")
        #expect(h.kernel.link.calls.count == 4, "a child's restart redoes no earlier stage")
    }

    @Test func sighupReloadsTheChangedBindingAndSigchldReaps() throws {
        let h = harness
        try h.loop.start()
        h.plug("usb0", ifindex: 7)
        try h.turnForMonitor()
        let first = try #require(h.kernel.processes.spawned.first)

        try h.write(["gamelink.toml": DaemonWithFakesTests.binding.replacingOccurrences(of: "--interface", with: "--iface")])
        try h.turnForSignal(SIGHUP)
        #expect(h.notifier.messages == ["READY", "RELOADING", "READY after reload"])
        #expect(first.signals == [SIGTERM], "the changed binding's child is stopped")
        #expect(h.monitor.enumerations.count == 2, "the devices enumerated again for the new bindings")
        try h.turnForExit(of: first)
        let second = try #require(h.kernel.processes.spawned.last)
        #expect(h.kernel.processes.spawned.count == 2)
        #expect(second.request.argv == ["/usr/bin/autoconf", "--iface", "glk0"])
        #expect(h.rows.map(\.state) == ["running"])

        // Without a pidfd's readiness, SIGCHLD alone finds the exit.
        second.exits(.exited(3))
        try h.turnForSignal(SIGCHLD)
        #expect(h.rows.map(\.state) == ["backoff"])
        #expect(h.records.recorded.isEmpty)
    }

    @Test func someoneElseChangingTheTableGetsTheRulesPutBackAtOnce() throws {
        let h = harness
        try h.loop.start()
        h.plug("usb0", ifindex: 7)
        try h.turnForMonitor()
        #expect(h.kernel.firewallChanges.subscriptions == 1)
        #expect(h.kernel.firewallChanges.watched)
        let child = try #require(h.kernel.processes.spawned.first)
        let batches = h.kernel.firewall.batches.count

        h.kernel.firewallChanges.pending = NftablesEvents.Report(changes: [.init(pid: 4242, process: "nft")])
        try h.turn(FirewallKeeper<FakeKernel>.eventsToken)
        #expect(h.log.contains("changed by nft (pid 4242)"))
        #expect(h.kernel.firewall.batches.count == batches + 1, "the table written again, in one transaction")
        let rules = h.kernel.firewall.batches.last?.lines.joined(separator: "\n") ?? ""
        #expect(rules.contains("8080"), "with the binding's rules")
        #expect(rules.contains(#"" 7""#), "and the device's element")
        #expect(h.supervisor.metrics.firewallRepairs == 1)
        #expect(!h.supervisor.metrics.firewallDegraded)
        #expect(child.signals.isEmpty && h.rows.map(\.state) == ["running"], "the child is left alone")
    }

    @Test func aControlRequestIsAcceptedReadAndAnsweredByTheLoop() throws {
        let h = try LoopHarness(["gamelink.toml": DaemonWithFakesTests.binding], controlSocket: true)
        try h.loop.start()
        h.plug("usb0", ifindex: 7)
        try h.turnForMonitor()
        let child = try #require(h.kernel.processes.spawned.first)

        let client = try h.connectAndSend("restart gamelink")
        try h.turn(Daemon.Token.control)
        #expect(h.loop.connections.count == 1, "accepted and watched under a token of its own")
        #expect(h.answer(on: client).isEmpty)
        try h.turn(ControlConnections.token(1))
        let answer = h.answer(on: client)
        #expect(answer.contains(#""ok":true"#))
        #expect(answer.contains(#""instances":1"#))
        #expect(h.loop.connections.count == 0, "answered and closed")
        #expect(child.signals == [SIGTERM], "the restart stops the child first")
        try h.turnForExit(of: child)
        #expect(h.kernel.processes.spawned.count == 2)
        #expect(h.rows.map(\.state) == ["running"])
    }

    @Test func lostEventsAreReconciledOnceTheMonitorsQueueIsDrained() throws {
        let h = harness
        try h.loop.start()
        h.plug("usb0", ifindex: 7)
        try h.turnForMonitor()
        let first = try #require(h.kernel.processes.spawned.first)

        // usb0 goes and usb1 comes while the receive buffer is full: neither
        // event arrives, only the overflow.
        h.unplug(ifindex: 7)
        h.plug("usb1", ifindex: 8, serial: "B2")
        h.monitor.queue = [.overflow]
        try h.turnForMonitor()
        #expect(h.log.contains("device events were lost"))
        #expect(h.monitor.enumerations.count == 2, "enumerated again once the queue was empty")
        #expect(first.signals == [SIGTERM], "the device no longer present is stopped")
        try h.turnForExit(of: first)
        #expect(h.kernel.processes.spawned.count == 2, "the device that came meanwhile is bound")
        #expect(h.rows.count == 1)
        #expect(h.rows.first?.interface == h.kernel.link.links[8]?.name)
        #expect(h.kernel.link.links[8]?.name.hasPrefix("glk") == true)
        #expect(h.supervisor.metrics.monitorOverflows == 1)
    }
}
