import Foundation
import HotplugLinux
import Testing
import TestSupport

/// A `hotplugd run` on a temporary binding directory, with interfaces named
/// by a prefix unique to the test and removed on every exit path.
final class DaemonFixture: @unchecked Sendable {
    let directory: TemporaryDirectory
    let prefix: String
    private(set) var daemon: RunningProcess?

    init(prefix: String) throws {
        self.prefix = prefix
        directory = try TemporaryDirectory(prefix: "hotplugd-\(prefix)")
        deleteInterfaces(withPrefix: prefix)
    }

    func write(_ name: String, _ text: String) throws { try directory.write(name, text) }

    /// Each test's daemon has its own control socket, in its own directory
    /// unless the test puts it elsewhere.
    var socketPath: String { socketOverride ?? directory.path + "/control.sock" }
    var socketOverride: String?

    /// Runs `hotplugd ARGS --socket <this daemon's socket>`.
    func client(_ arguments: String...) throws -> Shell.Output {
        try Shell.run([HotplugdBinary.path] + arguments + ["--socket", socketPath])
    }

    /// Writes an executable script into the directory and returns its path.
    func script(_ name: String, _ body: String) throws -> String {
        let path = directory.path + "/" + name
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    /// A test daemon runs as root, where `run` writes udev's runtime rules for
    /// NetworkManager and networkd; only the tests of those marks ask for them
    /// (with `--unmanaged-rules` of their own), so the machine's udev is left alone.
    static func leaveUdevRulesAlone(_ extra: [String]) -> [String] {
        extra.contains("--unmanaged-rules") ? [] : ["--unmanaged-rules", "none"]
    }

    func start(_ extra: [String] = [], environment: [String: String]? = nil) throws {
        let process = try RunningProcess([HotplugdBinary.path, "run", "--config", directory.path + "/bindings",
                                          "--socket", socketPath] + Self.leaveUdevRulesAlone(extra) + extra,
                                         environment: environment)
        daemon = process
        guard process.waitForLine(timeout: 20, stderr: true, { $0.contains("ready:") }) != nil else {
            throw TestFailure("daemon did not become ready: \(process.errorOutput.joined(separator: "\n"))")
        }
    }

    func bindings(_ files: [String: String]) throws {
        try FileManager.default.createDirectory(atPath: directory.path + "/bindings", withIntermediateDirectories: true)
        for (name, text) in files { try directory.write("bindings/" + name, text) }
    }

    /// Waits for a daemon log line containing all of `parts`.
    @discardableResult
    func waitForLog(_ parts: String..., timeout: TimeInterval = 15) -> String? {
        daemon?.waitForLine(timeout: timeout, stderr: true) { line in parts.allSatisfy(line.contains) }
    }

    func logLines(containing text: String) -> [String] {
        (daemon?.errorOutput ?? []).filter { $0.contains(text) }
    }

    func signal(_ number: Int32) {
        if let pid = daemon?.process.processIdentifier { kill(pid, number) }
    }

    /// SIGTERM and the exit status.
    func stop() -> Int32? {
        guard let process = daemon?.process, process.isRunning else { return daemon?.process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        return process.terminationStatus
    }

    func cleanUp() {
        _ = stop()
        deleteInterfaces(withPrefix: prefix)
    }

    deinit { cleanUp() }
}

/// Whether a process with this pid exists (and is not a zombie).
func processIsAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    guard let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(close, offsetBy: 2)]
    return state != "Z" && state != "X"
}

/// Waits until `condition` holds, checking every 20 ms; false after `timeout`.
func eventually(timeout: TimeInterval = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}
