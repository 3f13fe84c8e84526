import Testing
@testable import HotplugCore

/// The state one image hands the next (`hotplugd reexec`): what is written
/// is read back whole, and anything this image does not understand, or that
/// does not add up, is refused (the new image then starts clean).
struct ReexecStateTests {
    typealias H = SupervisorHarness

    static func binding() -> Binding {
        var binding = Bindings.binding("web", restart: .always)
        binding.exec?.instances = 2
        binding.exec?.stopSignal = .interrupt
        binding.listen = ListenSettings(stream: [ListenAddress(host: .any, port: 8080)], name: "web")
        return binding
    }

    /// A supervisor with one device, two running workers (one restarted once).
    static func running() -> H {
        var h = H([binding()])
        h.send(.deviceAdded(FakeDevices.veth("v0")))
        let pids = h.supervisor.status().compactMap(\.pid)
        h.send(.childExited(pid: pids[1], .exited(1)))
        h.advance(.milliseconds(600))
        return h
    }

    static func state(_ h: H) -> ReexecState {
        let ids = h.supervisor.reexecChildren
        var next: Int32 = 10
        func descriptor() -> Int32 { next += 1; return next }
        // The first child has a line begun on each stream (not UTF-8, and
        // one already cut); the other has none.
        let children = ids.enumerated().map { index, child in
            ReexecState.Child(pid: child.pid, attachment: child.id, worker: child.worker, interface: "v0", startTick: 42,
                              pidfd: descriptor(), standardOutput: descriptor(), standardError: descriptor(),
                              stop: StopSequence(signal: .interrupt, timeout: .seconds(5)),
                              partialOutput: index == 0 ? PartialLine(bytes: Array("half a ".utf8) + [0xc3, 0x00, 0xff], cut: false) : nil,
                              partialError: index == 0 ? PartialLine(bytes: [], cut: true) : nil)
        }
        let attachment = ids[0].id
        let request = SocketRequest(listen: binding().listen!, interface: "v0", ifindex: 7, workers: 2)
        return ReexecState(supervisor: h.supervisor, startedAtUnixNanoseconds: 1_700_000_000_000_000_000,
                           lastReexecUnixNanoseconds: 1_700_000_100_000_000_000, reexecs: 2,
                           beganAt: Instant(nanoseconds: 5_000_000_000), children: children,
                           sockets: [ReexecState.Sockets(attachment: attachment, request: request, shared: [descriptor()], perWorker: [])],
                           firewall: [], firewallWritten: true, controlDescriptor: descriptor(), firewallLockDescriptor: descriptor())
    }

    static var configuration: Configuration { Configuration(bindings: [binding()]) }

    @Test func rxTheStateIsReadBackWhole() throws {
        let h = Self.running()
        let written = Self.state(h)
        let read = try ReexecState(parsing: written.serialized(), configuration: Self.configuration)
        #expect(read.serialized() == written.serialized())
        #expect(read.children == written.children)
        #expect(read.children.first?.partialOutput?.bytes.suffix(3) == [0xc3, 0x00, 0xff], "the begun line's raw bytes")
        #expect(read.children.first?.partialError?.cut == true)
        #expect(read.sockets == written.sockets)
        #expect(read.firewallLockDescriptor == written.firewallLockDescriptor)
        #expect(read.supervisor.status() == h.supervisor.status(), "same pids, since, restarts, last exits")
        #expect(read.supervisor.status().contains { $0.restarts == 1 })
    }

    /// The new image goes on where the old stopped: the restored supervisor
    /// reacts to a child's exit as the old one would have.
    @Test func rxTheReadStateSupervisesOn() throws {
        var h = Self.running()
        var read = h
        read.supervisor = try ReexecState(parsing: Self.state(h).serialized(), configuration: Self.configuration).supervisor
        let pid = try #require(h.supervisor.status().first?.pid)
        #expect(read.send(.childExited(pid: pid, .exited(1))) == h.send(.childExited(pid: pid, .exited(1))))
        #expect(read.advance(.seconds(1)) == h.advance(.seconds(1)))
    }

    static func refusal(_ text: String, configuration: Configuration = configuration) -> String? {
        do {
            _ = try ReexecState(parsing: text, configuration: configuration)
            return nil
        } catch {
            return error.description
        }
    }

    /// `text` with the first `"key": value` (a number) replaced.
    static func replacing(_ key: String, in text: String, with value: String) -> String {
        guard let range = text.range(of: "\"\(key)\":") else { return text }
        let rest = text[range.upperBound...]
        let end = rest.firstIndex { $0 == "," || $0 == "}" } ?? rest.endIndex
        return String(text[..<range.upperBound]) + value + String(text[end...])
    }

    @Test func rxAnotherVersionIsRefused() {
        let text = Self.state(Self.running()).serialized()
        #expect(Self.refusal(text) == nil)
        for version in ["3", "0", "-1", "9223372036854775807", "\"2\""] {
            let refusal = Self.refusal(Self.replacing("version", in: text, with: version))
            #expect(refusal != nil, "version \(version)")
        }
        #expect(Self.refusal(Self.replacing("version", in: text, with: "3"))?.contains("version 3") == true)
        #expect(Self.refusal(text.replacingOccurrences(of: ReexecState.format, with: "other-state")) != nil)
    }

    @Test func rxATruncatedStateIsRefused() {
        let text = Self.state(Self.running()).serialized()
        for length in [0, 1, text.count / 3, text.count / 2, text.count - 1] {
            #expect(Self.refusal(String(text.prefix(length))) != nil, "cut at \(length) of \(text.count)")
        }
    }

    @Test func rxAnOversizedStateIsRefusedBeforeParsing() {
        let huge = "{\"format\":\"" + String(repeating: "x", count: ReexecState.maximumBytes) + "\"}"
        #expect(Self.refusal(huge)?.contains("larger than") == true)
    }

    /// Hostile or inconsistent content: every number in range, every part
    /// consistent with the others and with the bindings this image loaded.
    @Test func rxHostileContentIsRefused() {
        let text = Self.state(Self.running()).serialized()
        var cases: [(String, String)] = [
            ("a descriptor below 3", Self.replacing("control", in: text, with: "0")),
            ("a descriptor handed twice", Self.replacing("firewall_lock", in: text, with: "\(Self.state(Self.running()).controlDescriptor!)")),
            ("a negative pid", Self.replacing("pid", in: text, with: "-5")),
            ("pid 1", Self.replacing("pid", in: text, with: "1")),
            ("a pid the supervisor does not run", Self.replacing("pid", in: text, with: "99999")),
            ("a string for a number", Self.replacing("reexecs", in: text, with: "\"2\"")),
            ("a stop signal out of range", Self.replacing("signal", in: text, with: "65")),
            ("not JSON", "not json at all"),
            ("an array", "[1,2,3]"),
            ("deep nesting, cut", String(repeating: "[", count: 100_000)),
            ("deep nesting, closed", String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)),
            ("a duplicated key", text.replacingOccurrences(of: "{\"format\":", with: "{\"format\":\"x\",\"format\":")),
        ]
        let partial = "\"stdout_partial\":{\"hex\":\""
        #expect(text.contains(partial))
        cases += [
            ("an odd hex run", text.replacingOccurrences(of: partial, with: partial + "a")),
            ("upper-case hex", text.replacingOccurrences(of: partial, with: partial + "AB")),
            ("not hex", text.replacingOccurrences(of: partial, with: partial + "zz")),
            ("an oversized partial line", text.replacingOccurrences(of: partial, with: partial + String(repeating: "00", count: PartialLine.maximumBytes + 1))),
        ]
        for (what, hostile) in cases {
            #expect(Self.refusal(hostile) != nil, "\(what)")
        }
        // A binding the new image does not have (removed from disk meanwhile).
        #expect(Self.refusal(text, configuration: Configuration(bindings: [])) != nil)
    }

    // MARK: The metrics counters (state version 2)

    /// A supervisor whose every counter is off zero.
    static func counted() -> H {
        var h = Self.running()
        h.supervisor.metrics.countEvent(.add)
        h.supervisor.metrics.countEvent(.add)
        h.supervisor.metrics.countEvent(.remove)
        h.supervisor.metrics.countOverflow()
        h.supervisor.metrics.countFirewallRepair()
        h.supervisor.metrics.observeMatch(TimeSpan(nanoseconds: 30_000))
        h.supervisor.metrics.observeSpawn(.milliseconds(3))
        h.supervisor.metrics.countExit(binding: "web", .signal(9))
        h.supervisor.metrics.stageFailures[Metrics.index(.link)] = 4
        return h
    }

    static func sameCounters(_ a: Metrics, _ b: Metrics) -> Bool {
        a.events == b.events && a.monitorOverflows == b.monitorOverflows && a.firewallRepairs == b.firewallRepairs
            && a.stageFailures == b.stageFailures && a.restarts == b.restarts && a.childExits == b.childExits
            && a.matchLatency == b.matchLatency && a.spawnLatency == b.spawnLatency
    }

    /// The counters cross the re-exec, so Prometheus sees no counter reset;
    /// the new image's clock stays its own.
    @Test func rxMetricsCountersAreCarried() throws {
        let h = Self.counted()
        let old = h.supervisor.metrics
        #expect(old.restarts["web"] == 1 && old.childExits.count == 2, "running() restarted one worker")
        let read = try ReexecState(parsing: Self.state(h).serialized(), configuration: Self.configuration)
        #expect(Self.sameCounters(read.supervisor.metrics, old))
        #expect(read.supervisor.metrics.matchLatency.count == 1 && read.supervisor.metrics.spawnLatency.sumNanoseconds == 3_000_000)

        var fresh = Metrics()
        fresh.clock = { Instant(nanoseconds: 7) }
        let before = fresh.generation
        fresh.takeCounters(from: read.supervisor.metrics)
        #expect(Self.sameCounters(fresh, old))
        #expect(fresh.clock?() == Instant(nanoseconds: 7), "the shell's clock is kept")
        #expect(fresh.generation != before, "the textfile is written again")
        // Counting goes on from there.
        fresh.countEvent(.add)
        #expect(fresh.events[EventAction.add.rawValue] == 3)
    }

    /// The state as a version 1 image wrote it: no metrics. Still read; the
    /// counters start at zero, as they did before version 2.
    @Test func rxAVersion1StateIsReadWithCountersAtZero() throws {
        guard case .object(let members)? = JSONValue(parsing: Self.state(Self.counted()).serialized()) else {
            Issue.record("the state is not an object")
            return
        }
        let version1 = JSONValue.object(members.filter { $0.0 != "metrics" }.map { $0.0 == "version" ? ($0.0, .int(1)) : $0 }).serialized()
        let read = try ReexecState(parsing: version1, configuration: Self.configuration)
        #expect(Self.sameCounters(read.supervisor.metrics, Metrics()))
        #expect(read.supervisor.status() == Self.counted().supervisor.status())
        // Version 2 without them is not one of ours.
        let missing = JSONValue.object(members.filter { $0.0 != "metrics" }).serialized()
        #expect(Self.refusal(missing)?.contains("metrics") == true)
    }

    /// Malformed counters refuse the state like any other part; a histogram
    /// kept under other bounds (a later version's) starts at zero instead.
    @Test func rxMalformedCountersAreRefused() throws {
        let text = Self.state(Self.counted()).serialized()
        #expect(Self.refusal(Self.replacing("monitor_overflows", in: text, with: "-1")) != nil)
        #expect(Self.refusal(Self.replacing("firewall_repairs", in: text, with: "\"1\"")) != nil)
        #expect(Self.refusal(text.replacingOccurrences(of: "\"events\":[", with: "\"events\":[1,")) != nil, "one event count too many")
        #expect(Self.refusal(text.replacingOccurrences(of: "\"reason\":9", with: "\"reason\":\"crashed\"")) != nil)
        let matchBounds = Histogram.matchBounds.map(String.init).joined(separator: ",")
        let otherBounds = text.replacingOccurrences(of: "\"bounds\":[\(matchBounds)]",
                                                    with: "\"bounds\":[\(Histogram.matchBounds.dropLast().map(String.init).joined(separator: ",")),200000000]")
        #expect(otherBounds != text)
        let read = try ReexecState(parsing: otherBounds, configuration: Self.configuration)
        #expect(read.supervisor.metrics.matchLatency == Histogram(bounds: Histogram.matchBounds))
        #expect(read.supervisor.metrics.spawnLatency == Self.counted().supervisor.metrics.spawnLatency, "the other histogram is still carried")
    }
}
