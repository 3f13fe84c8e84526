import Foundation
import Glibc
import HotplugCore
import Logging
import Testing
import TestSupport
@testable import HotplugLinux

/// A process for crash recovery to stop (or to leave alone): started in its
/// own process group, as the daemon starts children, and killed and reaped
/// when the test ends, whatever happened.
final class Victim {
    let process: ChildProcess
    private(set) var status: HotplugLinux.ExitStatus?

    /// Runs `script` with sh, which ends by exec'ing sleep: once the process
    /// is called "sleep", whatever the script set up (traps) is in place.
    init(_ script: String = "", environment: [String] = []) throws {
        process = try Spawner.spawn(SpawnRequest(argv: ["/bin/sh", "-c", script + "\nexec /bin/sleep 600"],
                                                 environment: environment))
        let deadline = Date().addingTimeInterval(10)
        while Self.command(of: process.pid) != "sleep" {
            guard Date() < deadline else { throw TestFailure("victim \(process.pid) did not reach sleep") }
            usleep(5_000)
        }
    }

    var pid: Int32 { process.pid }

    /// Whether it still runs; reaps it (and keeps the status) once it ended.
    var isAlive: Bool {
        if status == nil { status = process.tryReap() }
        return status == nil
    }

    /// The exit status once it has ended, nil after `seconds`.
    func waitForExit(seconds: Double = 10) -> HotplugLinux.ExitStatus? {
        let deadline = Date().addingTimeInterval(seconds)
        while isAlive && Date() < deadline { usleep(5_000) }
        return status
    }

    static func command(of pid: Int32) -> String? {
        (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .newlines)
    }

    deinit {
        if isAlive {
            try? process.signalGroup(SIGKILL)
            _ = waitForExit()
        }
    }
}

/// A scratch directory (root's, 0700, under /tmp) holding a record location,
/// removed with everything in it when the test ends.
final class RecoveryScratch: @unchecked Sendable {
    let path: String

    init() throws {
        path = try ChildHarness.makeTemporaryDirectory()
    }

    /// Where registries made by `registry(...)` keep their records.
    var location: RecordLocation { RecordLocation(path: path + "/state", mode: 0o700) }

    /// A daemon that has exited: its records are ones to act on.
    static let deadDaemon = ProcessIdentity(pid: 2_000_000_000, startTime: 1)

    func registry(socket: String = "a.sock", owner: ProcessIdentity? = RecoveryScratch.deadDaemon,
                  location: RecordLocation? = nil, logger: Logger) -> ChildRegistry {
        let registry = ChildRegistry(socketPath: path + "/" + socket, configPath: "/etc/hotplugd",
                                     locations: [location ?? self.location], owner: owner)
        registry.prepare(logger: logger)
        return registry
    }

    /// The directory a registry on `socket` keeps its records in.
    func recordDirectory(socket: String = "a.sock") -> String {
        location.path + "/children/" + DaemonIdentity(socketPath: path + "/" + socket, configPath: "/etc/hotplugd").key
    }

    /// What the daemon puts in every child's environment.
    static let childStamp = ["HOTPLUGD_BINDING=cable", "HOTPLUGD_SYSPATH=/sys/devices/x", "HOTPLUGD_INSTANCE=0"]

    func write(_ path: String, _ text: String, mode: mode_t = 0o600) throws {
        try ChildHarness.writeFile(path, contents: text, mode: mode)
    }

    func contents(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    deinit { ChildHarness.removeTree(path) }
}
