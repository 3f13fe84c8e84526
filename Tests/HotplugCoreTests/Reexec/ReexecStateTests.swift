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
        let children = ids.map { child in
            ReexecState.Child(pid: child.pid, attachment: child.id, worker: child.worker, interface: "v0", startTick: 42,
                              pidfd: descriptor(), standardOutput: descriptor(), standardError: descriptor(),
                              stop: StopSequence(signal: .interrupt, timeout: .seconds(5)))
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
        for version in ["2", "0", "-1", "9223372036854775807", "\"1\""] {
            let refusal = Self.refusal(Self.replacing("version", in: text, with: version))
            #expect(refusal != nil, "version \(version)")
        }
        #expect(Self.refusal(Self.replacing("version", in: text, with: "2"))?.contains("version 2") == true)
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
        let cases: [(String, String)] = [
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
        for (what, hostile) in cases {
            #expect(Self.refusal(hostile) != nil, "\(what)")
        }
        // A binding the new image does not have (removed from disk meanwhile).
        #expect(Self.refusal(text, configuration: Configuration(bindings: [])) != nil)
    }
}
