import Foundation
import HotplugLinux
import Testing
import TestSupport

/// `hotplugd metrics` and `run --metrics-textfile`, read by a real reader:
/// Debian's prometheus-node-exporter with its textfile collector.
@Suite(.needsUdevd, .serialized)
struct MetricsTests {
    static func binding(prefix: String, child: String) -> String {
        "[match]\nsubsystem = \"net\"\nkernel = \"\(prefix)*\"\n[exec]\ncommand = [\"\(child)\"]\n"
    }

    /// A daemon writing its textfile into a directory of the fixture's.
    static func start(prefix: String) throws -> (fixture: DaemonFixture, textfiles: String) {
        let fixture = try DaemonFixture(prefix: prefix)
        let child = try fixture.script("child.sh", "exec sleep 600")
        try fixture.bindings(["\(prefix).toml": binding(prefix: prefix, child: child)])
        let textfiles = fixture.directory.path + "/textfile"
        #expect(mkdir(textfiles, 0o755) == 0)
        try fixture.start(["--metrics-textfile", textfiles + "/hotplugd.prom"])
        return (fixture, textfiles)
    }

    @Test func nodeExporterReadsTheSeriesAndTheyFollowAPlugAndAnUnplug() throws {
        let (fixture, textfiles) = try Self.start(prefix: "mtx")
        defer { fixture.cleanUp() }
        let exporter = try NodeExporter(directory: textfiles)
        defer { exporter.stop() }

        let first = try exporter.scrape()
        #expect(first.value("node_textfile_scrape_error") == 0, "\(first.text)")
        #expect(first.value("hotplugd_build_info", ["version": "0.1.0"]) == 1)
        let running = ["binding": "mtx", "state": "running"]
        #expect(first.value("hotplugd_instances", running) == 0)
        #expect(first.value("hotplugd_bindings", ["state": "waiting"]) == 1)
        for family in ["hotplugd_devices", "hotplugd_restarts_total", "hotplugd_child_exits_total", "hotplugd_events_total",
                       "hotplugd_monitor_overflows_total", "hotplugd_stage_failures_total",
                       "hotplugd_match_latency_seconds", "hotplugd_spawn_latency_seconds"] {
            #expect(first.text.contains("# TYPE \(family) "), "\(family) missing")
        }

        let veth = try VethPair(prefix: "mtx")
        defer { veth.delete() }
        var plugged = first
        #expect(eventually(timeout: 10) {
            plugged = (try? exporter.scrape()) ?? plugged
            return plugged.value("hotplugd_instances", running) == 1
        }, "the plug never showed: \(plugged.text)")
        #expect(plugged.value("node_textfile_scrape_error") == 0)
        #expect(plugged.value("hotplugd_bindings", ["state": "active"]) == 1)
        #expect(plugged.value("hotplugd_devices", ["state": "running"]) == 1)
        #expect((plugged.value("hotplugd_events_total", ["action": "add", "source": "udev"]) ?? 0) >= 1)
        #expect(plugged.value("hotplugd_spawn_latency_seconds_count") == 1)
        #expect((plugged.value("hotplugd_match_latency_seconds_count") ?? 0) >= 1)

        // The same text over the control socket, for anyone who may read status.
        chmod(fixture.directory.path, 0o755)
        chmod(fixture.socketPath, 0o666)
        let asNobody = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", HotplugdBinary.path]
        let printed = try Shell.run(asNobody + ["metrics", "--socket", fixture.socketPath])
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(printed.stdout.contains("hotplugd_instances{binding=\"mtx\",state=\"running\"} 1\n"))
        #expect(printed.stdout.hasPrefix("# HELP hotplugd_build_info ") && printed.stdout.hasSuffix(" 1\n"))

        veth.delete()
        var unplugged = plugged
        #expect(eventually(timeout: 15) {
            unplugged = (try? exporter.scrape()) ?? unplugged
            return unplugged.value("hotplugd_instances", running) == 0
                && unplugged.value("hotplugd_child_exits_total", ["binding": "mtx", "reason": "stopped"]) == 1
        }, "the unplug never showed: \(unplugged.text)")
        #expect(unplugged.value("node_textfile_scrape_error") == 0)
        #expect(unplugged.value("hotplugd_bindings", ["state": "waiting"]) == 1)
        #expect((unplugged.value("hotplugd_events_total", ["action": "remove", "source": "udev"]) ?? 0) >= 1)
        #expect(unplugged.value("hotplugd_restarts_total", ["binding": "mtx"]) == 0)

        // Replaced whole each time: readable by node_exporter's user, no temporary file left.
        var info = stat()
        #expect(stat(textfiles + "/hotplugd.prom", &info) == 0 && info.st_mode & 0o777 == 0o644)
        #expect(try FileManager.default.contentsOfDirectory(atPath: textfiles) == ["hotplugd.prom"])
    }

    /// Idle wake-ups stay 0 with the textfile: it is written after a change,
    /// and its rate limit's timer is not left armed. The daemon runs in a
    /// network namespace of its own (kernel source), so the veths other
    /// tests plug meanwhile cannot wake it.
    @Test(.needsRoot) func anIdleDaemonIsNotWokenForItsTextfile() throws {
        let daemon = try NamespacedDaemon(prefix: "mti")
        defer { daemon.cleanUp() }
        try FileManager.default.createDirectory(atPath: daemon.directory.path + "/textfile", withIntermediateDirectories: true)
        try daemon.directory.write("child.sh", "#!/bin/sh\nexec sleep 600\n")
        chmod(daemon.directory.path + "/child.sh", 0o755)
        try daemon.bindingFile("mti", Self.binding(prefix: "mti", child: daemon.directory.path + "/child.sh"))
        let file = daemon.directory.path + "/textfile/hotplugd.prom"
        try daemon.start(logLevel: "info", ["--metrics-textfile", file])
        let pid = try #require(daemon.daemon?.process.processIdentifier)
        // A plug and an unplug in quick succession: the second write waits
        // for the rate limit's timer, which must not keep firing after it.
        let name = "mti" + String(VethPair.uniqueName(prefix: "").prefix(6))
        try daemon.plug(name, clientAddress: "10.96.0.2")
        #expect(daemon.waitForLog("started child"))
        try daemon.unplug(name)
        #expect(eventually(timeout: 15) { Self.contents(file).contains("hotplugd_child_exits_total{binding=\"mti\",reason=\"stopped\"} 1\n") })

        usleep(1_500_000) // past the rate limit: a pending write is done
        let before = (switches: Self.voluntarySwitches(pid), file: Self.contents(file))
        usleep(2_000_000)
        let after = (switches: Self.voluntarySwitches(pid), file: Self.contents(file))
        #expect(after.switches == before.switches, "woken \(after.switches - before.switches) time(s) in 2 s of idling")
        #expect(after.file == before.file)
    }

    @Test func theTextfileIsNeverWrittenThroughASymlink() throws {
        let fixture = try DaemonFixture(prefix: "mts")
        defer { fixture.cleanUp() }
        try fixture.bindings(["idle.toml": "[match]\nsubsystem = \"net\"\nkernel = \"nomatch*\"\n"])
        let textfiles = fixture.directory.path + "/textfile"
        #expect(mkdir(textfiles, 0o755) == 0)
        try fixture.write("victim", "precious\n")
        #expect(symlink(fixture.directory.path + "/victim", textfiles + "/hotplugd.prom") == 0)
        try fixture.start(["--metrics-textfile", textfiles + "/hotplugd.prom"])
        #expect(eventually { Self.contents(textfiles + "/hotplugd.prom").hasPrefix("# HELP hotplugd_build_info") })
        #expect(Self.contents(fixture.directory.path + "/victim") == "precious\n")
        var info = stat()
        #expect(lstat(textfiles + "/hotplugd.prom", &info) == 0 && info.st_mode & S_IFMT == S_IFREG, "the link itself was replaced")
    }

    @Test func aDirectoryOthersCouldRedirectIsRefusedAtStart() throws {
        let fixture = try DaemonFixture(prefix: "mtr")
        defer { fixture.cleanUp() }
        try fixture.bindings(["idle.toml": "[match]\nsubsystem = \"net\"\nkernel = \"nomatch*\"\n"])
        let real = fixture.directory.path + "/real"
        let open = fixture.directory.path + "/open"
        #expect(mkdir(real, 0o755) == 0 && mkdir(open, 0o777) == 0 && chmod(open, 0o777) == 0)
        #expect(symlink(real, fixture.directory.path + "/link") == 0)
        for (path, reason) in [(fixture.directory.path + "/link/hotplugd.prom", "a symlink or not a directory"),
                               (open + "/hotplugd.prom", "writable by anyone and not sticky"),
                               (fixture.directory.path + "/missing/hotplugd.prom", "No such file or directory")] {
            let run = try Shell.run([HotplugdBinary.path, "run", "--config", fixture.directory.path + "/bindings",
                                     "--socket", fixture.socketPath, "--metrics-textfile", path])
            #expect(run.status == 1)
            #expect(run.stderr.contains("--metrics-textfile: ") && run.stderr.contains(reason), "\(run.stderr)")
        }
    }

    @Test func metricsWithoutADaemonExitsThree() throws {
        let result = try HotplugdBinary.run("metrics", "--socket", "/tmp/hotplugd-no-such-daemon.sock")
        #expect(result.status == 3)
        #expect(result.stderr.contains("hotplugd is not running"))
    }

    static func contents(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    /// Every `hotplugd_events_total` line: what moves when a device event arrived.
    static func events(_ text: String) -> [Substring] {
        text.split(separator: "\n").filter { $0.hasPrefix("hotplugd_events_total{") }
    }

    /// Times the daemon's threads went to sleep and were woken, summed.
    static func voluntarySwitches(_ pid: Int32) -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.reduce(0) { total, task in
            let status = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("voluntary_ctxt_switches:") }
            return total + (line.flatMap { Int($0.split(separator: "\t").last ?? "") } ?? 0)
        }
    }
}

/// `prometheus-node-exporter` with only its textfile collector, on a free
/// loopback port, stopped on every exit path.
final class NodeExporter: @unchecked Sendable {
    static let path = "/usr/bin/prometheus-node-exporter"
    let process: RunningProcess
    let port: UInt16

    init(directory: String) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.path) else {
            throw TestFailure("\(Self.path) is missing: install prometheus-node-exporter (scripts/setup does)")
        }
        port = try Self.freePort()
        process = try RunningProcess([Self.path, "--collector.disable-defaults", "--collector.textfile",
                                      "--collector.textfile.directory=\(directory)",
                                      "--web.listen-address=127.0.0.1:\(port)"])
        guard process.waitForLine(timeout: 10, stderr: true, { $0.contains("Listening on") }) != nil else {
            throw TestFailure("node_exporter did not start: \(process.errorOutput.joined(separator: "\n"))")
        }
    }

    func scrape() throws -> Scrape {
        let result = try Shell.run(["/usr/bin/curl", "-sSf", "--max-time", "5", "http://127.0.0.1:\(port)/metrics"])
        guard result.status == 0 else { throw TestFailure("scrape failed: \(result.stderr)") }
        return Scrape(text: result.stdout)
    }

    func stop() { process.stop() }

    /// A port the kernel just handed out and took back.
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("no free port") }
        return UInt16(bigEndian: address.sin_port)
    }

    struct Scrape {
        var text: String

        /// The sample `name{labels}` (labels in any order) as node_exporter serves it.
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " ") else { continue }
                let series = line[..<space]
                let seriesName = series.prefix { $0 != "{" }
                guard seriesName == name else { continue }
                var found: [String: String] = [:]
                if let open = series.firstIndex(of: "{") {
                    for pair in series[series.index(after: open)..<series.index(before: series.endIndex)].split(separator: ",") {
                        let parts = pair.split(separator: "=", maxSplits: 1)
                        guard parts.count == 2 else { continue }
                        found[String(parts[0])] = String(parts[1].dropFirst().dropLast())
                    }
                }
                if found == labels { return Double(line[line.index(after: space)...]) }
            }
            return nil
        }
    }
}
