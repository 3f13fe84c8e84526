import Foundation
import HotplugLinux
import Testing
import TestSupport

/// The crash-recovery records are root's: nothing another user can write,
/// and nothing another daemon wrote, makes the daemon kill or overwrite.
@Suite(.needsUdevd, .serialized)
struct RecordSafetyTests {
    static let nobody: UInt32 = 65534

    static func binding(prefix: String, child: String) -> String {
        """
        [match]
        subsystem = "net"
        kernel = "\(prefix)*"
        [exec]
        command = ["\(child)"]
        stop-timeout = "2s"
        """
    }

    /// Becomes the sleep itself: a sleep forked beside a shell that traps
    /// SIGTERM can catch the group's stop signal between fork and exec, in
    /// the shell's handler, and outlive the test.
    static let childScript = "echo \"pid:$$\"\nexec /bin/sleep 600"

    /// Runs `script` (with `arguments` as $1...) as nobody, as an attacker
    /// without privileges would.
    static func asNobody(_ script: String, _ arguments: String...) throws {
        let result = try Shell.run(["/usr/bin/setpriv", "--reuid=\(nobody)", "--regid=\(nobody)", "--clear-groups",
                                    "/bin/sh", "-c", script, "sh"] + arguments)
        guard result.status == 0 else { throw TestFailure("as nobody: \(script): \(result.stderr)") }
    }

    /// Field 22 of /proc/PID/stat, which a record must repeat to be believed.
    static func startTime(_ pid: Int32) throws -> String {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let close = try #require(stat.lastIndex(of: ")"))
        return String(stat[stat.index(after: close)...].split(separator: " ")[19])
    }

    /// The pids the kernel will hand out next, in its order (it wraps to 300
    /// past pid_max): a daemon's next child is very likely among them.
    static func upcomingPIDs(_ count: Int) throws -> [Int32] {
        let read = { (path: String) in Int32((try? String(contentsOfFile: path, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") }
        let last = try #require(read("/proc/sys/kernel/ns_last_pid")), limit = try #require(read("/proc/sys/kernel/pid_max"))
        var pid = last
        return (0..<count).map { _ in
            pid = pid + 1 >= limit ? 300 : pid + 1
            return pid
        }
    }

    @Test func recordsPlantedInAWorldWritableSocketDirectoryAreNeverActedOn() throws {
        let fixture = try DaemonFixture(prefix: "rsa")
        defer { fixture.cleanUp() }
        let shared = try SharedDirectory()
        fixture.socketOverride = shared.path + "/control.sock"

        // Someone else's process, and the record that would have root kill it
        // (in the format hotplugd used to read from the socket's directory).
        let victim = try RunningProcess(["/usr/bin/setpriv", "--reuid=\(Self.nobody)", "--regid=\(Self.nobody)",
                                         "--clear-groups", "/bin/sleep", "600"])
        let victimPID = victim.process.processIdentifier
        defer {
            kill(victimPID, SIGKILL)
            victim.process.waitUntilExit()
        }
        #expect(eventually { (try? String(contentsOfFile: "/proc/\(victimPID)/comm", encoding: .utf8)) == "sleep\n" })
        try Self.asNobody(#"mkdir -m 0777 "$1/children" && printf '%s %s\n%s\n' "$2" cable /devices/virtual/net/rsa0 > "$1/children/$3""#,
                          shared.path, try Self.startTime(victimPID), String(victimPID))

        // A root-only file the attacker would like root to overwrite.
        let precious = fixture.directory.path + "/precious"
        try "precious\n".write(toFile: precious, atomically: false, encoding: .utf8)

        let child = try fixture.script("child.sh", Self.childScript)
        try fixture.bindings(["cable.toml": Self.binding(prefix: "rsa", child: child)])
        try fixture.start()
        #expect(processIsAlive(victimPID), "root hotplugd killed a process because of a record nobody planted")
        #expect(fixture.logLines(containing: "stopping child \(victimPID)").isEmpty)

        // Symlinks to it, named after every pid the daemon's next child may get.
        let upcoming = try Self.upcomingPIDs(5000)
        for pid in upcoming {
            let link = shared.path + "/children/\(pid)"
            if symlink(precious, link) == 0 { lchown(link, Self.nobody, Self.nobody) }
        }
        let veth = try VethPair(prefix: "rsa")
        defer { veth.delete() }
        let line = try #require(fixture.waitForLog("pid:"))
        let childPID = try #require(Int32(line.split(separator: ":").last ?? ""))
        try #require(upcoming.contains(childPID), "the child's pid \(childPID) was not foreseen; nothing was tested")

        var info = stat()
        #expect(lstat(shared.path + "/children/\(childPID)", &info) == 0 && info.st_mode & S_IFMT == S_IFLNK)
        #expect((try? String(contentsOfFile: precious, encoding: .utf8)) == "precious\n",
                "root hotplugd wrote a child record through a symlink nobody planted")
        let entries = try FileManager.default.contentsOfDirectory(atPath: shared.path)
        #expect(Set(entries) == ["control.sock", "children"], "the daemon keeps no state beside its socket: \(entries)")
        #expect(fixture.stop() == 0)
        #expect(processIsAlive(victimPID))
    }

    @Test func daemonsWithSocketsInOneDirectoryLeaveEachOthersChildrenAlone() throws {
        let first = try DaemonFixture(prefix: "rsb")
        defer { first.cleanUp() }
        let child = try first.script("child.sh", Self.childScript)
        try first.bindings(["cable.toml": Self.binding(prefix: "rsb", child: child)])
        try first.start()
        let veth = try VethPair(prefix: "rsb")
        defer { veth.delete() }
        let line = try #require(first.waitForLog("pid:"))
        let childPID = try #require(Int32(line.split(separator: ":").last ?? ""))

        let second = try DaemonFixture(prefix: "rsc")
        defer { second.cleanUp() }
        second.socketOverride = first.directory.path + "/second.sock"
        try second.bindings(["other.toml": Self.binding(prefix: "rsc", child: child)])
        try second.start()
        #expect(second.logLines(containing: "left running by a previous hotplugd").isEmpty)
        #expect(processIsAlive(childPID), "a second daemon stopped the first one's child")
        #expect(second.stop() == 0)
        #expect(processIsAlive(childPID))
        #expect(first.logLines(containing: "child \(childPID) stopped").isEmpty)
    }
}

/// A directory like /tmp (mode 1777) for one test: anyone may create in it.
/// Removed with everything in it, whoever made it, when the test ends.
final class SharedDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/hotplugd-shared.XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw TestFailure("mkdtemp failed") }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard chmod(path, 0o1777) == 0 else { throw TestFailure("chmod \(path) failed") }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
