import Foundation
import Testing
import TestSupport

/// `hotplugd reexec` with real children, sockets, firewall rules and
/// traffic, inside namespaces the test creates. The daemon is started from a
/// path the test controls (`standIn`), so each test can put there what a
/// package upgrade would: the real binary, or one that fails in a given way.
@Suite(.needsRoot, .serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"),
                                          "needs curl (scripts/setup installs it)"))
struct ReexecTests {
    static let address = "10.97.0.1"
    static let peer = "10.97.0.2"

    /// A socket-activated HTTP worker answering with its pid; it says so on
    /// SIGTERM (output the daemon must not lose across a re-exec).
    static let worker = """
        import os, select, signal, socket, sys
        def stop(number, frame):
            print("worker", os.getpid(), "got SIGTERM", flush=True)
            sys.exit(0)
        signal.signal(signal.SIGTERM, stop)
        # Half a line on SIGUSR1, its end on SIGUSR2: a line begun before a
        # re-exec and ended after it.
        signal.signal(signal.SIGUSR1, lambda n, f: (sys.stdout.write("begun in the old image"), sys.stdout.flush()))
        signal.signal(signal.SIGUSR2, lambda n, f: (sys.stdout.write(", ended in the new one\\n"), sys.stdout.flush()))
        sockets = [socket.socket(fileno=fd) for fd in range(3, 3 + int(os.environ["LISTEN_FDS"]))]
        print("serving", flush=True)
        while True:
            ready, _, _ = select.select(sockets, [], [], 0.5)
            for s in ready:
                c, _ = s.accept()
                c.recv(1024)
                c.sendall(b"HTTP/1.0 200 OK\\r\\n\\r\\n%d\\n" % os.getpid())
                c.close()
        """

    final class Setup {
        let daemon: NamespacedDaemon
        let standIn: String
        let interface: String
        var ifindex: Int32 = 0

        init(prefix: String) throws {
            daemon = try NamespacedDaemon(prefix: prefix)
            standIn = daemon.directory.path + "/hotplugd"
            interface = "rx" + String(VethPair.uniqueName(prefix: "").prefix(6))
            try daemon.directory.write("worker.py", ReexecTests.worker)
            try daemon.bindingFile("web", """
                [match]
                subsystem = "net"
                kernel = "rx*"
                [link]
                addresses = ["\(ReexecTests.address)/24"]
                [exec]
                command = ["/usr/bin/python3", "\(daemon.directory.path)/worker.py"]
                instances = 2
                restart = "always"
                restart-delay = "100ms"
                [listen]
                stream = ["8080"]
                [firewall]
                input = "restrict"
                allow-tcp = [8080]
                """)
            try installStandIn("exec -a \"$0\" \"\(HotplugdBinary.path)\" \"$@\"")
            try daemon.start(binary: standIn)
            ifindex = try daemon.plug(interface, clientAddress: ReexecTests.peer)
            guard eventually(timeout: 20, { (try? self.rows().filter { $0.state == "running" }.count) == 2 }) else {
                throw TestFailure("two workers did not start: \(daemon.daemon?.errorOutput.suffix(20).joined(separator: "\n") ?? "")")
            }
        }

        /// A shell script at the started-from path; `body` runs for every
        /// call but the probe unless it handles `$1` itself.
        func installStandIn(_ body: String) throws {
            try? FileManager.default.removeItem(atPath: standIn)
            try daemon.directory.write("hotplugd", "#!/bin/bash\n\(body)\n")
            chmod(standIn, 0o755)
        }

        struct Row: Equatable {
            var state: String
            var pid: Int?
            var since: String?
            var restarts: Int?
        }

        func status() throws -> [String: Any] {
            let json = try daemon.hotplugd("status", "--json").stdout
            return try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] ?? [:]
        }

        func rows() throws -> [Row] {
            let bindings = try status()["bindings"] as? [[String: Any]] ?? []
            return bindings.flatMap { ($0["devices"] as? [[String: Any]]) ?? [] }.map {
                Row(state: $0["state"] as? String ?? "", pid: $0["pid"] as? Int, since: $0["since"] as? String,
                    restarts: $0["restarts"] as? Int)
            }
        }

        func daemonPID() -> Int32? { daemon.daemon?.process.processIdentifier }

        func reexec() throws -> Shell.Output { try daemon.hotplugd("reexec") }

        /// An HTTP request from the client namespace is answered by a worker
        /// (its pid); `connects` would wait for a greeting HTTP never sends.
        func serves() throws -> Bool {
            let answer = try daemon.client.run("/usr/bin/curl", "-s", "--max-time", "3", "http://\(ReexecTests.address):8080/")
            return answer.status == 0 && Int(answer.stdout.split(separator: "\n").last ?? "") != nil
        }

        func clientLoop(_ count: Int) throws -> RunningProcess {
            try RunningProcess(daemon.client.exec + ["/bin/sh", "-c", """
                for i in $(seq \(count)); do curl -s --max-time 5 http://\(ReexecTests.address):8080/ >/dev/null || echo "fail $?"; done; echo done
                """])
        }

        /// The daemon's last log lines, for a failure's message.
        func log() -> String { daemon.daemon?.errorOutput.suffix(40).joined(separator: "\n") ?? "" }

        func cleanUp() { daemon.cleanUp() }
    }

    static func processExists(_ pid: Int) -> Bool { kill(pid_t(pid), 0) == 0 || errno == EPERM }

    @Test func rxReexecKeepsChildrenSocketsRulesAndStatus() throws {
        let setup = try Setup(prefix: "rxk")
        defer { setup.cleanUp() }
        let before = try setup.rows()
        let pid = setup.daemonPID()
        let element = try setup.daemon.mapTarget(setup.ifindex)
        #expect(element != nil)
        let startedAt = (try setup.status()["daemon"] as? [String: Any])?["since"] as? String
        let client = try setup.clientLoop(300)
        usleep(200_000)
        for _ in 0..<3 {
            let answer = try setup.reexec()
            #expect(answer.status == 0, "\(answer.stdout) \(answer.stderr)")
            #expect(answer.stdout.contains("re-executed"))
        }
        #expect(client.waitForLine(timeout: 60) { $0 == "done" } != nil)
        #expect(!client.output.contains { $0.hasPrefix("fail") }, "\(client.output)")
        #expect(setup.daemonPID() == pid && setup.daemon.daemon?.process.isRunning == true)
        #expect(try setup.rows() == before, "same pids, since and restarts")
        #expect(try setup.daemon.mapTarget(setup.ifindex) == element)
        let log = setup.daemon.daemon?.errorOutput ?? []
        #expect(!log.contains { $0.contains("lock was handed over but is not held") }, "the table's flock crossed the exec")
        #expect(!log.contains { $0.contains("another hotplugd") })
        let daemonObject = try setup.status()["daemon"] as? [String: Any]
        #expect(daemonObject?["since"] as? String == startedAt)
        #expect(daemonObject?["last_reexec"] as? String != nil)
        #expect(daemonObject?["reexecs"] as? Int == 3)
        #expect(try setup.serves())
        // Text status names it too.
        #expect(try setup.daemon.hotplugd("status").stdout.contains("re-executed"))
    }

    @Test func rxChildExitingInTheGapIsRestartedAndItsOutputKept() throws {
        let setup = try Setup(prefix: "rxg")
        defer { setup.cleanUp() }
        let before = try setup.rows()
        guard let victim = before.first?.pid else { throw TestFailure("no pid") }
        try setup.installStandIn("""
            # The kill lands after the exec below, while the new image starts:
            # a child killed while this shell runs would be reaped by the shell.
            if [ "$1" != reexec-probe ]; then ( (sleep 0.05; kill \(victim)) & ); fi
            exec -a "$0" "\(HotplugdBinary.path)" "$@"
            """)
        let answer = try setup.reexec()
        #expect(answer.status == 0, "\(answer.stderr)")
        #expect(setup.daemon.waitForLog("worker \(victim) got SIGTERM"), "the child's output in the gap reaches the log")
        #expect(eventually(timeout: 10) {
            let rows = (try? setup.rows()) ?? []
            return rows.count == 2 && rows.allSatisfy { $0.state == "running" } && !rows.contains { $0.pid == victim }
                && rows.contains { $0.restarts == 1 }
        }, "\((try? setup.rows()) ?? []) \(setup.log())")
        #expect(try setup.rows().contains { $0.pid == before[1].pid }, "the other worker is kept")
    }

    /// The counters of `hotplugd metrics`, by series (name and labels),
    /// histograms' `_bucket`, `_sum` and `_count` included; gauges left out.
    static func counters(_ setup: Setup) throws -> [String: Double] {
        var result: [String: Double] = [:]
        for line in try setup.daemon.hotplugd("metrics").stdout.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = String(line[..<space])
            let name = series.prefix { $0 != "{" }
            if name.hasSuffix("_total") || name.hasSuffix("_bucket") || name.hasSuffix("_sum") || name.hasSuffix("_count") {
                result[series] = value
            }
        }
        return result
    }

    /// The counters go on across a re-exec (the state carries them): a
    /// worker's restart and exit, the events and the spawn latencies counted
    /// before it are still there after it, so Prometheus sees no reset.
    @Test func rxMetricsCountersGoOnAcrossTheReexec() throws {
        let setup = try Setup(prefix: "rxm")
        defer { setup.cleanUp() }
        guard let victim = try setup.rows().first?.pid else { throw TestFailure("no pid") }
        kill(pid_t(victim), SIGKILL)
        #expect(eventually(timeout: 10) {
            let rows = (try? setup.rows()) ?? []
            return rows.filter { $0.state == "running" && $0.pid != victim }.count == 2
        }, "\((try? setup.rows()) ?? []) \(setup.log())")
        let before = try Self.counters(setup)
        let restarts = "hotplugd_restarts_total{binding=\"web\"}"
        #expect(before[restarts] == 1, "\(before)")
        let exits = before.filter { $0.key.hasPrefix("hotplugd_child_exits_total{binding=\"web\"") }.values.reduce(0, +)
        #expect(exits >= 1)
        #expect(before.filter { $0.key.hasPrefix("hotplugd_events_total") }.values.reduce(0, +) >= 1)
        #expect((before["hotplugd_spawn_latency_seconds_count"] ?? 0) >= 2)

        let answer = try setup.reexec()
        #expect(answer.status == 0, "\(answer.stderr)")
        let after = try Self.counters(setup)
        for (series, value) in before {
            let now: Double = after[series] ?? -1
            #expect(now >= value, "\(series): \(value) before the re-exec, \(now) after (-1: gone)")
        }
        #expect(after[restarts] == 1, "no restart in the re-exec, and the one before it kept")
        #expect(after.filter { $0.key.hasPrefix("hotplugd_child_exits_total{binding=\"web\"") }.values.reduce(0, +) == exits)
    }

    /// A line the old image had read half of (no "\n" yet) is handed over
    /// with the state and logged whole once the child ends it.
    @Test func rxALineBegunBeforeTheReexecIsLoggedWhole() throws {
        let setup = try Setup(prefix: "rxl")
        defer { setup.cleanUp() }
        guard let pid = try setup.rows().first?.pid else { throw TestFailure("no pid") }
        kill(pid_t(pid), SIGUSR1)
        // Nothing in the log says the half line was read: give the loop time.
        Thread.sleep(forTimeInterval: 0.5)
        let answer = try setup.reexec()
        #expect(answer.status == 0, "\(answer.stderr)")
        kill(pid_t(pid), SIGUSR2)
        // Lost, the head would leave a line ", ended in the new one" alone.
        #expect(setup.daemon.waitForLog("begun in the old image, ended in the new one"), "\(setup.log())")
    }

    @Test func rxDevicesPluggedAndPulledInTheGapAreReconciled() throws {
        let setup = try Setup(prefix: "rxd")
        defer { setup.cleanUp() }
        let old = try setup.rows().compactMap(\.pid)
        let second = "rx" + String(VethPair.uniqueName(prefix: "").prefix(6))
        try setup.installStandIn("""
            if [ "$1" != reexec-probe ]; then
              /sbin/ip link del \(setup.interface)
              /sbin/ip link add \(second) type veth peer name q\(second.dropFirst())
            fi
            exec -a "$0" "\(HotplugdBinary.path)" "$@"
            """)
        let answer = try setup.reexec()
        #expect(answer.status == 0, "\(answer.stderr)")
        #expect(eventually(timeout: 15) {
            let rows = (try? setup.rows()) ?? []
            return rows.count == 2 && rows.allSatisfy { $0.state == "running" } && Set(rows.compactMap(\.pid)).isDisjoint(with: old)
        }, "\((try? setup.rows()) ?? []) \(setup.log())")
        #expect(eventually(timeout: 10) { old.allSatisfy { !Self.processExists($0) } }, "the pulled device's children are stopped")
        #expect(try setup.daemon.mapTarget(setup.daemon.ifindex(second)) != nil)
    }

    /// Someone else renames the interface while no image listens, to a
    /// name no binding wants: the new image's re-enumeration finds it by
    /// its ifindex, so it keeps its children, sockets and firewall element.
    @Test func rxDeviceRenamedByAnotherInTheGapIsKept() throws {
        let setup = try Setup(prefix: "rxn")
        defer { setup.cleanUp() }
        let before = try setup.rows()
        let renamed = "zn" + String(VethPair.uniqueName(prefix: "").prefix(6))
        // Down, renamed, up again where the kernel refuses to rename a link that is up.
        try setup.installStandIn("""
            if [ "$1" != reexec-probe ]; then
              /sbin/ip link set \(setup.interface) name \(renamed) 2>/dev/null || {
                /sbin/ip link set \(setup.interface) down
                /sbin/ip link set \(setup.interface) name \(renamed)
                /sbin/ip link set \(renamed) up
              }
            fi
            exec -a "$0" "\(HotplugdBinary.path)" "$@"
            """)
        let answer = try setup.reexec()
        #expect(answer.status == 0, "\(answer.stderr)")
        #expect(try setup.daemon.ifindex(renamed) == setup.ifindex, "the stand-in renamed the interface")
        // A teardown would begin at once: give it the time it would take to show.
        usleep(500_000)
        let after = try setup.rows()
        #expect(after.count == 2 && after.allSatisfy { $0.state == "running" }, "\(after) \(setup.log())")
        #expect(after.map(\.pid) == before.map(\.pid) && after.map(\.since) == before.map(\.since), "\(before) \(after)")
        #expect(before.compactMap(\.pid).allSatisfy(Self.processExists))
        #expect(try setup.daemon.mapTarget(setup.ifindex) != nil, "the firewall element stays")
        #expect(eventually(timeout: 10) { (try? setup.serves()) == true }, "\(setup.log())")
        #expect(!setup.log().contains("device is gone"), "\(setup.log())")
    }

    /// The new binary cannot take over and the probe finds out: the old
    /// image carries on with everything, and says why.
    @Test(arguments: ["missing", "not-executable", "exits-1"])
    func rxFailingBinaryLeavesTheOldImageRunning(_ failure: String) throws {
        let setup = try Setup(prefix: "rxf")
        defer { setup.cleanUp() }
        let before = try setup.rows()
        switch failure {
        case "missing": try FileManager.default.removeItem(atPath: setup.standIn)
        case "not-executable": chmod(setup.standIn, 0o644)
        default: try setup.installStandIn("exit 1")
        }
        let answer = try setup.reexec()
        #expect(answer.status == 1)
        #expect(answer.stderr.contains("not re-executed") && answer.stderr.contains("carries on"), "\(answer.stderr)")
        #expect(setup.daemon.daemon?.process.isRunning == true)
        #expect(try setup.rows() == before)
        #expect(try setup.serves())
        // And it can still re-execute once the binary is right again.
        try setup.installStandIn("exec -a \"$0\" \"\(HotplugdBinary.path)\" \"$@\"")
        #expect(try setup.reexec().status == 0)
        #expect(try setup.rows() == before)
    }

    /// The probe of the new binary runs while the loop goes on: with a probe
    /// that takes 1.5 s, `status` is answered meanwhile, and the re-exec
    /// then happens; a probe that never answers is given up after 5 s, the
    /// old image carrying on and answering throughout.
    @Test func rxProbeRunsWhileTheLoopAnswers() throws {
        let setup = try Setup(prefix: "rxp")
        defer { setup.cleanUp() }
        let before = try setup.rows()
        let real = HotplugdBinary.path
        try setup.installStandIn("""
            if [ "$1" = reexec-probe ]; then sleep 1.5; fi
            exec -a "$0" "\(real)" "$@"
            """)
        let socket = setup.daemon.directory.path + "/control.sock"
        let request = try RunningProcess(setup.daemon.host.exec + [real, "reexec", "--socket", socket])
        Thread.sleep(forTimeInterval: 0.3)
        let started = Date()
        let status = try setup.daemon.hotplugd("status")
        #expect(status.status == 0)
        #expect(Date().timeIntervalSince(started) < 1.0, "status waited for the probe")
        #expect(request.waitForExit(timeout: 20))
        #expect(request.waitForLine(timeout: 1) { $0.contains("re-executed") } != nil, "\(request.output) \(setup.log())")
        #expect(try setup.rows() == before)
        #expect(setup.daemon.daemon?.process.isRunning == true)

        try setup.installStandIn("""
            if [ "$1" = reexec-probe ]; then exec sleep 30; fi
            exec -a "$0" "\(real)" "$@"
            """)
        let hung = try RunningProcess(setup.daemon.host.exec + [real, "reexec", "--socket", socket])
        Thread.sleep(forTimeInterval: 0.5)
        let again = Date()
        #expect(try setup.daemon.hotplugd("status").status == 0)
        #expect(Date().timeIntervalSince(again) < 1.0, "status waited for the hung probe")
        #expect(hung.waitForExit(timeout: 15))
        #expect(hung.errorOutput.joined().contains("within 5 s"), "\(hung.errorOutput)")
        #expect(try setup.rows() == before)
        #expect(try setup.serves())
    }

    /// The new image refuses the state (here: it is handed a file that is
    /// not the sealed memfd): it starts clean in the same process, stops the
    /// old children and starts new ones, and says so.
    @Test func rxRefusedStateStartsCleanWithoutOrphans() throws {
        let setup = try Setup(prefix: "rxr")
        defer { setup.cleanUp() }
        let old = try setup.rows().compactMap(\.pid)
        let pid = setup.daemonPID()
        try setup.installStandIn("""
            if [ "$1" != reexec-probe ]; then exec 9</dev/null; export HOTPLUGD_REEXEC_STATE=9; fi
            exec -a "$0" "\(HotplugdBinary.path)" "$@"
            """)
        let answer = try setup.reexec()
        #expect(answer.status == 1)
        #expect(answer.stderr.contains("refused the state") && answer.stderr.contains("started clean"), "\(answer.stderr)")
        #expect(setup.daemonPID() == pid && setup.daemon.daemon?.process.isRunning == true)
        #expect(old.allSatisfy { !Self.processExists($0) }, "no orphan: the old children are gone")
        #expect(eventually(timeout: 15) {
            let rows = (try? setup.rows()) ?? []
            return rows.count == 2 && rows.allSatisfy { $0.state == "running" } && Set(rows.compactMap(\.pid)).isDisjoint(with: old)
        })
        #expect(try setup.serves())
    }

    /// The new binary passes the probe but exits 1 when it runs: after the
    /// exec nothing of the old image is left to carry on. The requester is
    /// told; the service manager's restart (here: the test's) stops the
    /// children the dead daemon left and starts clean.
    @Test func rxNewImageExitingAfterTheExecIsRecoveredByTheNextStart() throws {
        let setup = try Setup(prefix: "rxx")
        defer { setup.cleanUp() }
        let old = try setup.rows().compactMap(\.pid)
        try setup.installStandIn("""
            if [ "$1" != reexec-probe ]; then exit 1; fi
            exec -a "$0" "\(HotplugdBinary.path)" "$@"
            """)
        let answer = try setup.reexec()
        #expect(answer.status == 1)
        #expect(answer.stderr.contains("did not take over"), "\(answer.stderr)")
        setup.daemon.daemon?.process.waitUntilExit()
        try setup.installStandIn("exec -a \"$0\" \"\(HotplugdBinary.path)\" \"$@\"")
        try setup.daemon.start(binary: setup.standIn)
        // The leftovers get their stop signal at the start; they are gone
        // (reaped by whoever adopted them) shortly after.
        #expect(eventually(timeout: 10) { old.allSatisfy { !Self.processExists($0) } }, "the leftovers were stopped at the new start")
        #expect(eventually(timeout: 15) {
            let rows = (try? setup.rows()) ?? []
            return rows.count == 2 && rows.allSatisfy { $0.state == "running" } && Set(rows.compactMap(\.pid)).isDisjoint(with: old)
        })
        #expect(try setup.serves())
    }
}
