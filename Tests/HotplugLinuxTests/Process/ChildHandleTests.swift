import CHotplugSpawn
import Glibc
import HotplugCore
@testable import HotplugLinux
import Testing

/// The child handle: pid and pidfd together, signals through the pidfd.
struct ChildHandleTests {
    /// After the leader is reaped its pid may be anyone's; the group is
    /// still reached through the pidfd (Linux 6.9's PIDFD_SIGNAL_PROCESS_GROUP),
    /// never through kill(-pid).
    @Test func hsAGroupSignalAfterTheReapReachesWhatTheChildLeft() throws {
        let child = try Spawner.spawn(SpawnRequest(argv: ["/bin/sh", "-c", "/bin/sleep 30 & echo $!"]))
        let leftoverLine = try #require(try ChildHarness.readLines(from: child, atLeast: 1).first)
        let leftover = try #require(Int32(leftoverLine))
        let leftoverPidfd = try adopt(hotplug_pidfd_open(leftover), "pidfd_open(\(leftover))")
        #expect(try ChildHarness.waitForExit(of: [child], timeoutMilliseconds: 20_000))
        #expect(child.tryReap() == .exited(0))
        do {
            try child.signalGroup(SIGKILL)
        } catch {
            // A kernel before 6.9: refused rather than sent to a pid that may be reused.
            #expect(error.description.contains("reaped"))
            _ = kill(leftover, SIGKILL)
        }
        #expect(try ChildHarness.waitForExit(of: leftoverPidfd, timeoutMilliseconds: 20_000))
    }

    @Test func hsASignalToTheChildAloneSparesItsGroup() throws {
        let child = try Spawner.spawn(SpawnRequest(argv: ["/bin/sh", "-c", "trap 'exit 7' TERM; /bin/sleep 30 & echo $!; wait"]))
        let grandchildLine = try #require(try ChildHarness.readLines(from: child, atLeast: 1).first)
        let grandchild = try #require(Int32(grandchildLine))
        let grandchildPidfd = try adopt(hotplug_pidfd_open(grandchild), "pidfd_open(\(grandchild))")
        try child.signal(SIGTERM)
        #expect(try ChildHarness.waitForExit(of: [child], timeoutMilliseconds: 20_000))
        #expect(child.tryReap() == .exited(7))
        #expect(try !ChildHarness.waitForExit(of: grandchildPidfd, timeoutMilliseconds: 100))
        _ = kill(grandchild, SIGKILL)
        #expect(try ChildHarness.waitForExit(of: grandchildPidfd, timeoutMilliseconds: 20_000))
        try child.signal(SIGTERM) // gone: not an error
    }

    /// What a live upgrade does: a pidfd and a pid become a handle again.
    @Test func hsAnInheritedPidfdBecomesAHandleOnlyForItsOwnPid() throws {
        let child = try Spawner.spawn(SpawnRequest(argv: ["/bin/sleep", "30"]))
        let raw = hotplug_pidfd_open(child.pid)
        try #require(raw >= 0)
        var refused = true
        if let _ = ChildHandle(pid: ProcessID(child.pid + 1), inheritedPidfd: raw) { refused = false }
        #expect(refused, "another pid's pidfd: refused")
        guard var handle = ChildHandle(pid: child.processID, inheritedPidfd: raw) else {
            Issue.record("the child's own pidfd was refused")
            close(raw)
            return
        }
        try handle.signalGroup(SIGKILL)
        var status: HotplugLinux.ExitStatus?
        for _ in 0..<2000 where status == nil {
            status = handle.tryReap()
            if status == nil { usleep(10_000) }
        }
        #expect(status == .signaled(SIGKILL, coreDumped: false))
        #expect(child.tryReap() == nil, "collected once, by the handle that held it")
    }
}
