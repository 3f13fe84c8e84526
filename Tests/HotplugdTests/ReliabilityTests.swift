import Foundation
import HotplugLinux
import Testing
import TestSupport

/// Faults injected into a running daemon: crashes, flapping, storms, lost events.
@Suite(.needsUdevd, .serialized)
struct ReliabilityTests {
    static func binding(prefix: String, child: String, extra: String = "") -> String {
        """
        [match]
        subsystem = "net"
        kernel = "\(prefix)*"
        [exec]
        command = ["\(child)", "{interface}"]
        stop-timeout = "2s"
        \(extra)
        """
    }

    static func sleeper(_ fixture: DaemonFixture) throws -> String {
        try fixture.script("sleeper.sh", "trap 'exit 0' TERM\necho \"pid:$$\"\nsleep 600 & wait $!")
    }

    /// Processes whose command line mentions `marker` (the child script's path).
    static func processes(running marker: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self).contains(marker) && processIsAlive(pid)
        }
    }

    static func deviceCount(_ fixture: DaemonFixture) -> Int {
        guard let answer = try? fixture.client("status", "--json"),
              let document = try? JSONSerialization.jsonObject(with: Data(answer.stdout.utf8)) as? [String: Any],
              let bindings = document["bindings"] as? [[String: Any]] else { return -1 }
        return bindings.reduce(0) { $0 + (($1["devices"] as? [Any])?.count ?? 0) }
    }

    /// Adds (or deletes) veth pairs `prefix`0..<count from two racing shells.
    static func racingShells(add: Bool, prefix: String, count: Int) throws {
        let half = count / 2
        let commands = [(0, half), (half, count)].map { range in
            (range.0..<range.1).map { index in
                add ? "link add \(prefix)\(index) type veth peer name q\(prefix)\(index)" : "link del \(prefix)\(index)"
            }.joined(separator: "\n") + "\n"
        }
        let group = DispatchGroup()
        for batch in commands {
            group.enter()
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/sbin/ip")
                process.arguments = ["-force", "-batch", "-"]
                let input = Pipe()
                process.standardInput = input
                process.standardError = FileHandle.nullDevice
                try? process.run()
                input.fileHandleForWriting.write(Data(batch.utf8))
                try? input.fileHandleForWriting.close()
                process.waitUntilExit()
                group.leave()
            }
        }
        group.wait()
    }

    @Test func crashedDaemonsChildrenAreStoppedByTheNextOne() throws {
        let fixture = try DaemonFixture(prefix: "rla")
        defer { fixture.cleanUp() }
        let child = try Self.sleeper(fixture)
        try fixture.bindings(["cable.toml": Self.binding(prefix: "rla", child: child)])
        try fixture.start()
        let veth = try VethPair(prefix: "rla")
        defer { veth.delete() }
        let first = try #require(fixture.waitForLog("pid:"))
        let oldPID = try #require(Int32(first.split(separator: ":").last ?? ""))
        fixture.signal(SIGKILL)
        fixture.daemon?.process.waitUntilExit()
        #expect(processIsAlive(oldPID), "a SIGKILLed daemon leaves its child running")

        try fixture.start()
        #expect(fixture.waitForLog("stopping child \(oldPID)", "left running by a previous hotplugd") != nil)
        #expect(eventually { !processIsAlive(oldPID) })
        #expect(eventually { fixture.logLines(containing: "pid:").count == 1 })
        #expect(eventually { Self.processes(running: child).count == 1 }, "exactly one child for the device")
    }

    @Test func flappingDeviceEndsUnboundAndSettleDebounces() throws {
        let fixture = try DaemonFixture(prefix: "rlb")
        defer { fixture.cleanUp() }
        let child = try Self.sleeper(fixture)
        try fixture.bindings([
            "plain.toml": Self.binding(prefix: "rlb", child: child),
            // A second, not 200 ms: on a loaded machine one flap of two `ip`
            // runs took longer than 200 ms (112 ms on average in that CI run).
            "settled.toml": Self.binding(prefix: "rlb", child: child, extra: "settle = \"1s\""),
        ])
        try fixture.start()
        let name = VethPair.uniqueName(prefix: "rlb")
        let started = Date()
        for _ in 0..<50 {
            try Shell.ip("link", "add", name, "type", "veth", "peer", "name", "q" + name)
            try Shell.ip("link", "del", name)
        }
        let flapSeconds = Date().timeIntervalSince(started)
        // Quiet: wait until the daemon has seen the last remove.
        #expect(eventually { Self.deviceCount(fixture) == 0 })
        #expect(eventually { Self.processes(running: child).isEmpty }, "no child survives the flapping")
        #expect(fixture.logLines(containing: "settled").filter { $0.contains("started child") }.isEmpty,
                "each flap (\(flapSeconds / 50 * 1000) ms) is shorter than settle, so the settled binding never started")
    }

    @Test func stormOf300DevicesLeavesNothingBehind() throws {
        let fixture = try DaemonFixture(prefix: "rlc")
        defer { fixture.cleanUp() }
        let child = try Self.sleeper(fixture)
        try fixture.bindings(["cable.toml": Self.binding(prefix: "rlc", child: child)])
        try fixture.start()
        let pid = try #require(fixture.daemon?.process.processIdentifier)
        // Warm up the allocator and caches with a small round first.
        try Self.racingShells(add: true, prefix: "rlc", count: 20)
        #expect(eventually(timeout: 60) { Self.processes(running: child).count == 20 })
        try Self.racingShells(add: false, prefix: "rlc", count: 20)
        #expect(eventually(timeout: 60) { Self.deviceCount(fixture) == 0 && Self.processes(running: child).isEmpty })
        let idleFDs = openFileCount(pid), idleRSS = residentKiB(pid)

        try Self.racingShells(add: true, prefix: "rlc", count: 300)
        #expect(eventually(timeout: 120) { Self.processes(running: child).count == 300 }, "every device got its child")
        #expect(Self.deviceCount(fixture) == 300)
        try Self.racingShells(add: false, prefix: "rlc", count: 300)
        #expect(eventually(timeout: 120) { Self.deviceCount(fixture) == 0 })
        #expect(eventually(timeout: 60) { Self.processes(running: child).isEmpty }, "every child is gone")
        #expect(zombieChildren(of: pid).isEmpty)
        #expect(openFileCount(pid) == idleFDs, "no leaked file descriptors")
        let rss = residentKiB(pid)
        #expect(rss <= idleRSS + 4096, "RSS \(rss) KiB after the storm vs \(idleRSS) KiB idle")
    }

    @Test func overflowIsDetectedAndReconciled() throws {
        let fixture = try DaemonFixture(prefix: "rld")
        defer { fixture.cleanUp() }
        let child = try Self.sleeper(fixture)
        try fixture.bindings(["cable.toml": Self.binding(prefix: "rld", child: child)])
        try fixture.start(["--receive-buffer", "1"])
        let pid = try #require(fixture.daemon?.process.processIdentifier)
        // A stopped daemon reads nothing: the tiny buffer overflows.
        kill(pid, SIGSTOP)
        try Self.racingShells(add: true, prefix: "rld", count: 60)
        kill(pid, SIGCONT)
        #expect(fixture.waitForLog("events were lost", timeout: 30) != nil)
        #expect(eventually(timeout: 60) { Self.deviceCount(fixture) == 60 }, "re-enumeration found every present device")
        kill(pid, SIGSTOP)
        try Self.racingShells(add: false, prefix: "rld", count: 60)
        kill(pid, SIGCONT)
        #expect(eventually(timeout: 60) { Self.deviceCount(fixture) == 0 }, "nothing stays bound to a gone device")
        #expect(eventually(timeout: 30) { Self.processes(running: child).isEmpty })
    }
}

func openFileCount(_ pid: Int32) -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count ?? -1
}

func residentKiB(_ pid: Int32) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return -1 }
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
}

func zombieChildren(of pid: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { candidate in
        guard let stat = try? String(contentsOfFile: "/proc/\(candidate)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        return fields.count > 1 && fields[0] == "Z" && Int32(fields[1]) == pid
    }
}
