import Foundation
import Glibc
import HotplugCore
import Testing
@testable import HotplugLinux

/// Root kills what the registry reads and writes where it says: only records
/// the daemon itself wrote, in a directory it made and checked, may count.
@Suite(.serialized)
struct ChildRegistryTests {
    static let nobody: uid_t = 65534

    @Test func recordedChildOfACrashedDaemonIsStopped() throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        let victim = try Victim()
        scratch.registry(logger: log.logger).record(pid: victim.pid, binding: "cable", devpath: "/devices/x", stop: .standard)
        scratch.registry(owner: .current, logger: log.logger).stopLeftovers(logger: log.logger)
        #expect(victim.waitForExit() == .signaled(SIGTERM, coreDumped: false))
        #expect(log.contains("stopping child \(victim.pid) of binding cable on /devices/x, left running by a previous hotplugd"))
        #expect(!FileManager.default.fileExists(atPath: scratch.recordDirectory() + "/\(victim.pid)"), "the record is used up")
    }

    @Test(.enabled(if: geteuid() == 0, "needs root to give a file to another user"))
    func recordOwnedBySomeoneElseIsIgnored() throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        let victim = try Victim()
        scratch.registry(logger: log.logger).record(pid: victim.pid, binding: "cable", devpath: "/devices/x", stop: .standard)
        let record = scratch.recordDirectory() + "/\(victim.pid)"
        // What a planted record looks like: right contents, someone else's file.
        #expect(chown(record, Self.nobody, Self.nobody) == 0)
        scratch.registry(owner: .current, logger: log.logger).stopLeftovers(logger: log.logger)
        #expect(victim.waitForExit(seconds: 0.5) == nil, "a record another user owns must not make root kill anything")
        #expect(log.contains("ignoring \(record): owned by uid 65534"))
    }

    @Test func symlinkInPlaceOfARecordIsNotFollowed() throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        let victim = try Victim()
        scratch.registry(logger: log.logger).record(pid: victim.pid, binding: "cable", devpath: "/devices/x", stop: .standard)
        let record = scratch.recordDirectory() + "/\(victim.pid)"
        // A valid record elsewhere, reached only through the link.
        let elsewhere = scratch.path + "/elsewhere"
        #expect(rename(record, elsewhere) == 0)
        #expect(symlink(elsewhere, record) == 0)
        scratch.registry(owner: .current, logger: log.logger).stopLeftovers(logger: log.logger)
        #expect(victim.waitForExit(seconds: 0.5) == nil)
        #expect(log.contains("ignoring \(record): a symlink"))
    }

    @Test func newRecordReplacesASymlinkInsteadOfWritingThroughIt() throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        let registry = scratch.registry(owner: .current, logger: log.logger)
        let victim = try Victim()
        let target = scratch.path + "/precious"
        try scratch.write(target, "precious\n", mode: 0o644)
        let record = scratch.recordDirectory() + "/\(victim.pid)"
        #expect(symlink(target, record) == 0)
        registry.record(pid: victim.pid, binding: "cable", devpath: "/devices/x", stop: .standard)
        #expect(scratch.contents(target) == "precious\n", "the record must not be written through the link")
        var info = stat()
        #expect(lstat(record, &info) == 0 && info.st_mode & S_IFMT == S_IFREG, "the record is a file of its own")
        #expect(scratch.contents(record).flatMap(ChildRecord.init(parsing:))?.child.pid == victim.pid)
    }

    @Test func recordOfAnotherInstanceIsIgnored() throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        let victim = try Victim()
        scratch.registry(socket: "other.sock", logger: log.logger)
            .record(pid: victim.pid, binding: "cable", devpath: "/devices/x", stop: .standard)
        let ours = scratch.registry(socket: "a.sock", owner: .current, logger: log.logger)
        // Two daemons on different sockets keep apart: ours does not see it...
        ours.stopLeftovers(logger: log.logger)
        #expect(victim.isAlive)
        #expect(FileManager.default.fileExists(atPath: scratch.recordDirectory(socket: "other.sock") + "/\(victim.pid)"))
        // ...and a copy put in our directory is recognised as not ours.
        let copy = scratch.recordDirectory(socket: "a.sock") + "/\(victim.pid)"
        try scratch.write(copy, try #require(scratch.contents(scratch.recordDirectory(socket: "other.sock") + "/\(victim.pid)")))
        ours.stopLeftovers(logger: log.logger)
        #expect(victim.waitForExit(seconds: 0.5) == nil)
        #expect(log.contains("ignoring \(copy): written for another hotplugd daemon"))
    }

    @Test func recordsOfADaemonThatStillRunsAreLeftAlone() throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        let victim = try Victim()
        // Written by this very process, which is alive: say the socket file
        // of a running daemon was deleted and a second one started on it.
        scratch.registry(owner: .current, logger: log.logger)
            .record(pid: victim.pid, binding: "cable", devpath: "/devices/x", stop: .standard)
        scratch.registry(owner: .current, logger: log.logger).stopLeftovers(logger: log.logger)
        #expect(victim.waitForExit(seconds: 0.5) == nil)
        #expect(FileManager.default.fileExists(atPath: scratch.recordDirectory() + "/\(victim.pid)"))
        #expect(log.contains("is still running"))
    }

    /// A crashed daemon its parent has not reaped yet is a zombie: dead,
    /// so its children are stopped, not left to run beside new ones
    /// (issue 21, item 11).
    @Test func hdRecordsOfAZombieDaemonAreActedOn() throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        let victim = try Victim()
        let daemon = try Spawner.spawn(SpawnRequest(argv: ["/bin/true"]))
        defer { _ = daemon.tryReap() }
        let zombie = try #require(ProcessIdentity(pid: daemon.pid))
        let deadline = Date().addingTimeInterval(10)
        while ProcessIdentity.stateAndStartTime(of: daemon.pid)?.state != "Z" && Date() < deadline { usleep(5_000) }
        try #require(ProcessIdentity.stateAndStartTime(of: daemon.pid)?.state == "Z", "the stand-in daemon exited unreaped")
        scratch.registry(owner: zombie, logger: log.logger).record(pid: victim.pid, binding: "cable", devpath: "/devices/x", stop: .standard)
        scratch.registry(owner: .current, logger: log.logger).stopLeftovers(logger: log.logger)
        #expect(victim.waitForExit() == .signaled(SIGTERM, coreDumped: false))
        #expect(!log.contains("is still running"))
    }

    /// A full /run: the record cannot be written. That is an error in the
    /// log and in what `status` shows, and no empty file is left to be
    /// ignored after a crash (issue 21, item 10).
    @Test(.enabled(if: geteuid() == 0, "needs root to mount a small tmpfs"))
    func hdARecordThatCannotBeWrittenIsAnErrorAndLeavesNoFile() throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        let full = scratch.path + "/full"
        #expect(mkdir(full, 0o700) == 0)
        try #require(mount("tmpfs", full, "tmpfs", 0, "size=4k,mode=0700") == 0, "mount tmpfs: \(errnoText())")
        defer { umount2(full, Int32(MNT_DETACH)) }
        let location = RecordLocation(path: full + "/state", mode: 0o700)
        let registry = scratch.registry(owner: .current, location: location, logger: log.logger)
        // Fill it: the directories exist, no page is left for a record.
        let filler = open(full + "/filler", O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        var page = [UInt8](repeating: 0x61, count: 4096)
        while page.withUnsafeMutableBytes({ write(filler, $0.baseAddress, $0.count) }) > 0 {}
        close(filler)
        let victim = try Victim()
        registry.record(pid: victim.pid, binding: "cable", devpath: "/devices/x", stop: .standard, logger: log.logger)
        let key = DaemonIdentity(socketPath: scratch.path + "/a.sock", configPath: "/etc/hotplugd").key
        #expect(!FileManager.default.fileExists(atPath: location.path + "/children/\(key)/\(victim.pid)"), "no empty record")
        #expect(log.contains("no crash-recovery record for child \(victim.pid) of binding cable"))
        #expect(registry.unrecorded == [victim.pid] && registry.lastFailure?.contains("No space left") == true)
        registry.forget(pid: victim.pid)
        #expect(registry.unrecorded.isEmpty)
    }

    @Test func recordOfAReusedPidIsDroppedWithoutASignal() throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        let victim = try Victim()
        let registry = scratch.registry(owner: .current, logger: log.logger)
        let key = DaemonIdentity(socketPath: scratch.path + "/a.sock", configPath: "/etc/hotplugd").key
        let start = try #require(ProcessIdentity(pid: victim.pid)).startTime
        let stale = ChildRecord(daemonKey: key, daemon: RecoveryScratch.deadDaemon,
                                child: ProcessIdentity(pid: victim.pid, startTime: start - 1), stop: .standard,
                                binding: "cable", devpath: "/devices/x")
        let record = scratch.recordDirectory() + "/\(victim.pid)"
        try scratch.write(record, stale.text)
        registry.stopLeftovers(logger: log.logger)
        #expect(victim.waitForExit(seconds: 0.5) == nil, "same pid, other start time: another process")
        #expect(!FileManager.default.fileExists(atPath: record))
    }

    // MARK: empty and torn records (issue 21, item 10)

    /// An older daemon, or a crash between creating the file and writing it,
    /// leaves an empty record named by the child's pid. The child is looked
    /// up by what the daemon stamps on every child, and stopped.
    @Test func ltEmptyRecordOfAStampedChildIsLookedUpAndStopped() throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        let victim = try Victim(environment: RecoveryScratch.childStamp)
        let registry = scratch.registry(owner: .current, logger: log.logger)
        let record = scratch.recordDirectory() + "/\(victim.pid)"
        try scratch.write(record, "")
        registry.stopLeftovers(logger: log.logger)
        #expect(victim.waitForExit() == .signaled(SIGTERM, coreDumped: false), "an empty record must not leave a duplicate running")
        #expect(log.contains("stopping child \(victim.pid) of binding cable on /sys/devices/x, left running by a previous hotplugd"))
        #expect(log.contains("record \(record) is empty or torn"))
        #expect(!FileManager.default.fileExists(atPath: record))
    }

    /// A record cut off mid-write: the complete lines are used (here the
    /// child's identity and stop signal), a cut-off line never is.
    @Test func ltTornRecordIsUsedAsFarAsItsCompleteLinesGo() throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        let victim = try Victim()
        let registry = scratch.registry(owner: .current, logger: log.logger)
        let key = DaemonIdentity(socketPath: scratch.path + "/a.sock", configPath: "/etc/hotplugd").key
        let whole = ChildRecord(daemonKey: key, daemon: RecoveryScratch.deadDaemon, child: try #require(ProcessIdentity(pid: victim.pid)),
                                stop: StopSequence(signal: Signal(number: SIGINT), timeout: .seconds(5)),
                                binding: "cable", devpath: "/devices/x").text
        let record = scratch.recordDirectory() + "/\(victim.pid)"
        let cut = try #require(whole.range(of: "binding")).lowerBound
        try scratch.write(record, String(whole[..<cut]) + "bind")
        registry.stopLeftovers(logger: log.logger)
        #expect(victim.waitForExit() == .signaled(SIGINT, coreDumped: false))
        #expect(!FileManager.default.fileExists(atPath: record))
    }

    /// What an empty record names may be anything by now: a process without
    /// the daemon's stamp, or one started after the record was written, is
    /// not ours and is left alone; the record goes.
    @Test func ltEmptyRecordOfAnUnstampedOrLaterProcessIsLeftAlone() throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        let registry = scratch.registry(owner: .current, logger: log.logger)
        let stranger = try Victim()
        try scratch.write(scratch.recordDirectory() + "/\(stranger.pid)", "")
        let backdated = try Victim(environment: RecoveryScratch.childStamp)
        let old = scratch.recordDirectory() + "/\(backdated.pid)"
        try scratch.write(old, "hotplugd-child 1\n")
        // The record is older than the process: the pid was reused since.
        var times = [timespec(tv_sec: time(nil) - 3600, tv_nsec: 0), timespec(tv_sec: time(nil) - 3600, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, old, &times, 0) == 0)
        registry.stopLeftovers(logger: log.logger)
        #expect(stranger.waitForExit(seconds: 0.3) == nil, "no hotplugd stamp: not our child")
        #expect(backdated.waitForExit(seconds: 0.3) == nil, "started after the record: another process")
        #expect(!FileManager.default.fileExists(atPath: scratch.recordDirectory() + "/\(stranger.pid)"))
        #expect(!FileManager.default.fileExists(atPath: old))
        #expect(log.contains("not a child hotplugd started"))
    }

    // MARK: directories

    /// Whether a registry on `location` would keep a record, checked by
    /// making it record a live process.
    private func records(at location: RecordLocation, _ scratch: RecoveryScratch, _ log: LogCapture) throws -> Bool {
        let victim = try Victim()
        let registry = scratch.registry(owner: .current, location: location, logger: log.logger)
        registry.record(pid: victim.pid, binding: "cable", devpath: "/devices/x", stop: .standard)
        let key = DaemonIdentity(socketPath: scratch.path + "/a.sock", configPath: "/etc/hotplugd").key
        return FileManager.default.fileExists(atPath: location.path + "/children/\(key)/\(victim.pid)")
    }

    @Test(arguments: ["state", "state/children"])
    func groupOrWorldWritableDirectoryIsRefused(_ level: String) throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        for mode: mode_t in [0o777, 0o770, 0o1777] {
            #expect(mkdir(scratch.path + "/state", 0o700) == 0 || errno == EEXIST)
            #expect(mkdir(scratch.path + "/state/children", 0o700) == 0 || errno == EEXIST)
            #expect(chmod(scratch.path + "/" + level, mode) == 0)
            #expect(try !records(at: scratch.location, scratch, log), "\(level) with mode \(String(mode, radix: 8))")
            #expect(log.contains("not recording children"))
            #expect(log.contains("writable by group or others"))
        }
        #expect(chmod(scratch.path + "/" + level, 0o700) == 0)
        #expect(try records(at: scratch.location, scratch, log), "the same directory, made private, is used")
    }

    @Test(.enabled(if: geteuid() == 0, "needs root to give a directory to another user"))
    func directoryOwnedBySomeoneElseIsRefused() throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        let key = DaemonIdentity(socketPath: scratch.path + "/a.sock", configPath: "/etc/hotplugd").key
        for level in ["state", "state/children", "state/children/\(key)"] {
            #expect(mkdir(scratch.path + "/" + level, 0o700) == 0)
            #expect(chown(scratch.path + "/" + level, Self.nobody, Self.nobody) == 0)
            #expect(try !records(at: scratch.location, scratch, log), "\(level) owned by nobody")
            #expect(log.contains("owned by uid 65534"))
            #expect(chown(scratch.path + "/" + level, 0, 0) == 0)
        }
        #expect(try records(at: scratch.location, scratch, log))
    }

    @Test func symlinkedDirectoryIsRefused() throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        #expect(mkdir(scratch.path + "/real", 0o700) == 0)
        #expect(symlink(scratch.path + "/real", scratch.path + "/state") == 0)
        #expect(try !records(at: scratch.location, scratch, log))
        #expect(log.contains("a symlink or not a directory"))
        let key = DaemonIdentity(socketPath: scratch.path + "/a.sock", configPath: "/etc/hotplugd").key
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/real/children/\(key)"))
    }

    @Test func aboveTheDirectoryOnlyStickyDirectoriesMayBeShared() throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        let location = RecordLocation(path: scratch.path + "/shared/state", mode: 0o700)
        #expect(mkdir(scratch.path + "/shared", 0o700) == 0)
        // Anyone could rename our directory away in a shared one that is not sticky.
        #expect(chmod(scratch.path + "/shared", 0o777) == 0)
        #expect(try !records(at: location, scratch, log))
        #expect(log.contains("writable by group or others and not sticky"))
        // As in /tmp, where only the owner may rename or remove an entry.
        #expect(chmod(scratch.path + "/shared", 0o1777) == 0)
        #expect(try records(at: location, scratch, log))
    }

    @Test func cleanExitRemovesTheInstanceDirectory() throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        let registry = scratch.registry(owner: .current, logger: log.logger)
        let victim = try Victim()
        registry.record(pid: victim.pid, binding: "cable", devpath: "/devices/x", stop: .standard)
        registry.forget(pid: victim.pid)
        registry.close()
        #expect(!FileManager.default.fileExists(atPath: scratch.recordDirectory()))
    }
}
