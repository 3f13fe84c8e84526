import Testing
@testable import HotplugCore

/// The re-exec state keeps the JSON of the one state type versions 1 and 2
/// had: a state an older image wrote is read into the two types of now, a
/// worker stopping leftovers into its own state, and neither type takes a
/// kind only the other has.
struct ReexecWorkerStateTests {
    typealias H = SupervisorHarness

    static var configuration: Configuration { Configuration(bindings: [Bindings.binding("cable", restart: .no)]) }

    /// A device pulled while processes its exited child left run on: the
    /// worker is stopping them (SIGTERM sent, SIGKILL due in 5 s).
    static func stoppingLeftovers() -> (H, ProcessID) {
        var h = H(configuration.bindings)
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pid = h.pid("cable")!
        h.send(.childLeftProcesses(pid: pid))
        h.send(.childExited(pid: pid, .exited(0)))
        h.send(.deviceRemoved(devpath: "/devices/virtual/net/v0", ifindex: 42))
        return (h, pid)
    }

    static func document(_ h: H, version: Int64) -> String {
        let state = ReexecState(supervisor: h.supervisor, startedAtUnixNanoseconds: 1_700_000_000_000_000_000,
                                lastReexecUnixNanoseconds: nil, reexecs: 0, beganAt: h.clock, children: [], sockets: [],
                                firewall: [], firewallWritten: false, controlDescriptor: nil)
        let text = state.serialized()
        guard version == 1, case .object(let members)? = JSONValue(parsing: text) else { return text }
        // Version 1 had no metrics.
        return JSONValue.object(members.filter { $0.0 != "metrics" }.map { $0.0 == "version" ? ($0.0, .int(1)) : $0 }).serialized()
    }

    /// The worker as the image of state versions 1 and 2 wrote it: a
    /// `stopping` state of the group with `stopping_leftovers` beside it.
    static func oldWorker(_ h: H, pid: ProcessID, probeAt: String) -> String {
        let stoppedAt = h.clock.nanoseconds, startedAt = stoppedAt
        return "{\"state\":{\"kind\":\"stopping\",\"pid\":\(pid.rawValue),\"at\":\(stoppedAt + 5_000_000_000),\"killed\":false},"
            + "\"since\":\(stoppedAt),\"restarts\":0,\"consecutive_failures\":0,\"last_exit\":{\"exited\":0},"
            + "\"last_exit_requested\":false,\"last_pid\":\(pid.rawValue),\"started_at\":\(startedAt),\"respawn_after_stop\":false,"
            + "\"leftover_group\":null,\"stopping_leftovers\":true,\"probe_at\":\(probeAt),"
            + "\"stop\":{\"signal\":15,\"timeout_ns\":5000000000}}"
    }

    @Test(arguments: [Int64(1), 2])
    func rwAWorkerStoppingLeftoversIsReadIntoItsOwnState(_ version: Int64) throws {
        let (h, pid) = Self.stoppingLeftovers()
        let text = Self.document(h, version: version)
        let old = Self.oldWorker(h, pid: pid, probeAt: "\(h.clock.nanoseconds + 100_000_000)")
        #expect(text.contains("\"workers\":[\(old)]"), "written as the old image wrote it: \(text)")
        let read = try ReexecState(parsing: text, configuration: Self.configuration)
        let worker = read.supervisor.attachments.values.first?.workers.first
        #expect(worker?.state == .stoppingLeftovers(group: pid, killAt: h.clock + .seconds(5), probeAt: h.clock + .milliseconds(100)))
        #expect(read.supervisor.reexecChildren.isEmpty)
        #expect(read.supervisor.status() == h.supervisor.status())
        // And the stop goes on in the new image.
        var next = h
        next.supervisor = read.supervisor
        #expect(H.signals(next.advance(.milliseconds(100))).map(\.1) == [.continue], "asks whether anything is left")
        next.send(.leftoversGone(pid: pid))
        #expect(next.supervisor.status().isEmpty)
    }

    /// Without a `probe_at` the shell is first asked at the kill deadline,
    /// which then comes as it would have.
    @Test(arguments: [Int64(1), 2])
    func rwWithoutAProbeTimeTheStopEndsAtItsDeadline(_ version: Int64) throws {
        let (h, pid) = Self.stoppingLeftovers()
        let text = Self.document(h, version: version)
        let old = Self.oldWorker(h, pid: pid, probeAt: "\(h.clock.nanoseconds + 100_000_000)")
        let noProbe = text.replacingOccurrences(of: old, with: Self.oldWorker(h, pid: pid, probeAt: "null"))
        #expect(noProbe != text)
        var next = h
        next.supervisor = try ReexecState(parsing: noProbe, configuration: Self.configuration).supervisor
        #expect(next.supervisor.attachments.values.first?.workers.first?.state
            == .stoppingLeftovers(group: pid, killAt: h.clock + .seconds(5), probeAt: h.clock + .seconds(5)))
        #expect(H.signals(next.advance(.milliseconds(4999))).isEmpty)
        #expect(H.signals(next.advance(.milliseconds(1))).map(\.1) == [.kill])
        #expect(next.supervisor.status().isEmpty)
    }

    /// A worker's kind as an attachment's phase, an attachment's as a
    /// worker's state, or the leftovers' flag on anything but a stop: no
    /// image writes them, and the state is refused.
    @Test func rwAKindOfTheOtherTypeIsRefused() throws {
        let (h, pid) = Self.stoppingLeftovers()
        let text = Self.document(h, version: 2)
        #expect(ReexecStateTests.refusal(text, configuration: Self.configuration) == nil)
        let supervising = "\"state\":{\"kind\":\"supervising\"}"
        #expect(text.components(separatedBy: supervising).count == 2, "the attachment's phase, once")
        func attachment(_ kind: String) -> String {
            text.replacingOccurrences(of: supervising, with: "\"state\":\(kind)")
        }
        let stopping = "{\"kind\":\"stopping\",\"pid\":\(pid.rawValue),\"at\":\(h.clock.nanoseconds + 5_000_000_000),\"killed\":false}"
        #expect(text.contains(stopping))
        func worker(_ kind: String, leftovers: Bool = false) -> String {
            text.replacingOccurrences(of: stopping, with: kind)
                .replacingOccurrences(of: "\"stopping_leftovers\":true", with: "\"stopping_leftovers\":\(leftovers)")
        }
        let cases = [
            ("an attachment running", attachment("{\"kind\":\"running\",\"pid\":\(pid.rawValue)}"), "is not an attachment's phase"),
            ("an attachment stopping", attachment(stopping), "is not an attachment's phase"),
            ("an attachment backing off", attachment("{\"kind\":\"backoff\",\"at\":5}"), "is not an attachment's phase"),
            ("an attachment exited", attachment("{\"kind\":\"exited\"}"), "is not an attachment's phase"),
            ("a worker supervising", worker("{\"kind\":\"supervising\"}"), "is not a worker's state"),
            ("a worker settling", worker("{\"kind\":\"settling\",\"at\":5}"), "is not a worker's state"),
            ("a worker configured", worker("{\"kind\":\"configured\"}"), "is not a worker's state"),
            ("a worker setting up the link", worker("{\"kind\":\"setting-up\",\"stage\":\(Stage.link.code)}"), "not the children stage"),
            ("a worker failed at the link", worker("{\"kind\":\"failed\",\"stage\":\(Stage.link.code),\"reason\":\"x\"}"), "not the children stage"),
            ("leftovers stopped in an exited state", worker("{\"kind\":\"exited\"}", leftovers: true), "stopping leftovers in a 'exited' state"),
        ]
        for (what, hostile, reason) in cases {
            #expect(hostile != text, "\(what): the replacement applied")
            let refusal = ReexecStateTests.refusal(hostile, configuration: Self.configuration)
            #expect(refusal?.contains(reason) == true, "\(what): \(refusal ?? "read")")
        }
        // A worker's own kind, without the flag, reads back.
        #expect(ReexecStateTests.refusal(worker("{\"kind\":\"exited\"}"), configuration: Self.configuration) == nil)
    }
}
