import Glibc
import HotplugCore
@testable import HotplugLinux
import Testing

/// A reload (`ConfigurationReload`) in the whole loop on fakes: what it
/// does to the children of a changed, a removed and an unchanged binding,
/// and that a broken configuration changes nothing.
struct ReloadWithFakesTests {
    static func binding(_ glob: String, _ command: String, _ extra: String = "") -> String {
        """
        [match]
        subsystem = "net"
        kernel = "\(glob)"

        [exec]
        command = ["\(command)", "{interface}"]
        \(extra)
        """
    }

    static let bindings = [
        "changed.toml": binding("usba*", "/usr/bin/changed"),
        "removed.toml": binding("usbb*", "/usr/bin/removed", "stop-signal = \"SIGINT\"\nstop-timeout = \"2s\""),
        "unchanged.toml": binding("usbc*", "/usr/bin/unchanged"),
    ]

    let harness: LoopHarness
    let changed: FakeChild
    let removed: FakeChild
    let unchanged: FakeChild

    /// The three bindings, each with its device and its child.
    init() throws {
        let harness = try LoopHarness(Self.bindings)
        try harness.loop.start()
        harness.plug("usba0", ifindex: 11)
        harness.plug("usbb0", ifindex: 12)
        harness.plug("usbc0", ifindex: 13)
        try harness.turnForMonitor()
        func child(_ command: String) throws -> FakeChild {
            try #require(harness.kernel.processes.spawned.first { $0.request.argv.first == command })
        }
        changed = try child("/usr/bin/changed")
        removed = try child("/usr/bin/removed")
        unchanged = try child("/usr/bin/unchanged")
        #expect(harness.rows.map(\.state) == ["running", "running", "running"])
        self.harness = harness
    }

    @Test func eachBindingsChildrenAreStoppedRestartedOrKeptAsTheReloadChangedIt() throws {
        let h = harness
        removed.diesOf = [SIGKILL]
        var next = Self.bindings
        next["changed.toml"] = Self.binding("usba*", "/usr/bin/changed-again")
        next["removed.toml"] = nil
        try h.write(next)
        let reloadedAt = h.kernel.clock
        try h.turnForSignal(SIGHUP)
        #expect(h.supervisor.configuration.bindings.map(\.name).sorted() == ["changed", "unchanged"])

        #expect(changed.signals == [SIGTERM], "the changed binding's child is stopped")
        #expect(removed.signals == [SIGINT], "the removed binding's child gets its own stop-signal, not SIGTERM")
        #expect(unchanged.signals.isEmpty, "the unchanged binding's child is left alone")

        try h.turnForExit(of: changed)
        let restarted = try #require(h.kernel.processes.spawned.last)
        #expect(restarted.request.argv == ["/usr/bin/changed-again", "usba0"], "started again as the new binding says")

        // It ignores SIGINT: SIGKILL at its own stop-timeout, 2 s, not the default 5 s.
        #expect(h.wakeups.deadline == reloadedAt + 2_000_000_000)
        try h.turnForDeadline()
        #expect(removed.signals == [SIGINT, SIGKILL])
        try h.turnForExit(of: removed)

        #expect(h.rows.map(\.binding).sorted() == ["changed", "unchanged"])
        #expect(h.rows.first { $0.binding == "unchanged" }?.pid == unchanged.processID, "the unchanged child keeps its pid")
        #expect(h.kernel.processes.spawned.count == 4, "only the changed binding's child was started again")
        #expect(unchanged.signals.isEmpty && unchanged.isRunning)
    }

    @Test func aNewSubsystemOpensTheMonitorAgainAndAFailureKeepsTheOldOne() throws {
        let h = harness
        var next = Self.bindings
        next["serial.toml"] = """
            [match]
            subsystem = "tty"
            kernel = "ttyACM*"
            [exec]
            command = ["/usr/bin/serial"]
            """
        try h.write(next)
        try h.turnForSignal(SIGHUP)
        #expect(h.monitor.reopened == [["net", "tty"]], "a monitor for the new subsystems too")
        #expect(h.monitor.enumerations.last == ["net", "tty"])

        next["usb.toml"] = Self.binding("usb*", "/usr/bin/usb").replacingOccurrences(of: #"subsystem = "net""#, with: #"subsystem = "usb""#)
        try h.write(next)
        h.monitor.reopenFailure = SystemCallError("fake monitor", errno: ENOMEM)
        try h.turnForSignal(SIGHUP)
        #expect(h.log.contains("cannot watch the new subsystems (the old ones are still watched)"))
        #expect(h.monitor.reopened.count == 1)
        #expect(h.supervisor.configuration.bindings.count == 5, "the configuration is taken all the same")
        for child in [changed, removed, unchanged] {
            #expect(child.signals.isEmpty && child.isRunning, "no binding of theirs changed")
        }
    }

    @Test func aBrokenConfigurationIsRefusedAndTheRunningOneKept() throws {
        let h = harness
        var next = Self.bindings
        next["changed.toml"] = "[match\nsubsystem = "
        try h.write(next)
        let before = h.supervisor.configuration

        try h.turnForSignal(SIGHUP)
        #expect(h.log.contains("reload refused; keeping the running configuration"))
        #expect(h.supervisor.configuration == before)
        #expect(h.notifier.messages == ["READY", "RELOADING", "READY after reload"])

        // Over the control socket, the refusal and its reasons.
        let answer = h.loop.answer("reload", peer: 0)
        #expect(answer.contains(#""ok":false"#))
        #expect(answer.contains("changed.toml"))

        for child in [changed, removed, unchanged] {
            #expect(child.signals.isEmpty && child.isRunning, "no child is touched")
        }
        #expect(h.kernel.processes.spawned.count == 3)
        #expect(h.rows.map(\.state) == ["running", "running", "running"])
    }
}
