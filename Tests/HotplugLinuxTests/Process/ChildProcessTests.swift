import CHotplugSpawn
import Glibc
import HotplugLinux
import Testing

@Suite("ChildProcess")
struct ChildProcessTests {
    @Test("tryReap returns the status once, never twice, and leaves no zombie")
    func reapOnce() throws {
        let child = try Spawner.spawn(SpawnRequest(argv: ["/bin/sh", "-c", "exit 3"]))
        #expect(try ChildHarness.waitForExit(of: [child], timeoutMilliseconds: 20_000))

        // Exited but not collected yet: the kernel keeps it as a zombie for us.
        #expect(ChildHarness.processState(child.pid) == "Z")

        let status = child.tryReap()
        #expect(status == .exited(3))
        #expect(status?.description == "exit 3")
        #expect(child.tryReap() == nil)
        #expect(child.tryReap() == nil)
        #expect(child.isReaped)
        #expect(child.exitStatus == .exited(3))
        // Gone from the process table (or, if the pid was already reused,
        // not our zombie).
        if let state = ChildHarness.processState(child.pid) {
            #expect(state != "Z")
        }
    }

    @Test("tryReap is nil while running; the pidfd turns readable only on exit")
    func pidfdReadableOnExit() throws {
        let child = try Spawner.spawn(SpawnRequest(argv: ["/bin/sleep", "30"]))
        let epoll = try Epoll()
        try #require(try child.watch(.exit, in: epoll, token: 42))

        #expect(try epoll.wait(timeoutMilliseconds: 0).isEmpty)
        #expect(child.tryReap() == nil)
        #expect(!child.isReaped)

        try child.signalGroup(SIGKILL)
        let events = try epoll.wait(timeoutMilliseconds: 20_000)
        #expect(events.map(\.token) == [42])
        #expect(events.first.map { EpollEvents(rawValue: $0.events).contains(.readable) } == true)
        let status = child.tryReap()
        #expect(status == .signaled(SIGKILL, coreDumped: false))
        #expect(status?.description == "signal SIGKILL")
    }

    @Test("a child ignoring SIGTERM survives it, SIGKILL takes it and its grandchild")
    func terminateThenKillGroup() throws {
        // The shell ignores TERM (inherited by the background sleep), prints
        // the grandchild's pid once both are set up, then waits for it.
        let child = try Spawner.spawn(SpawnRequest(
            argv: ["/bin/sh", "-c", "trap '' TERM; /bin/sleep 30 & echo $!; wait"]))
        let firstLine = try #require(try ChildHarness.readLines(from: child, atLeast: 1).first)
        let grandchildPid = try #require(Int32(firstLine))
        let grandchildPidfd = try adopt(hotplug_pidfd_open(grandchildPid), "pidfd_open(\(grandchildPid))")

        try child.signalGroup(SIGTERM)
        // Proving survival needs a bounded wait: nothing may exit within it.
        #expect(try !ChildHarness.waitForExit(of: [child], timeoutMilliseconds: 300))
        #expect(try !ChildHarness.waitForExit(of: grandchildPidfd, timeoutMilliseconds: 1))
        #expect(child.tryReap() == nil)

        try child.signalGroup(SIGKILL)
        #expect(try ChildHarness.waitForExit(of: [child], timeoutMilliseconds: 20_000))
        #expect(try ChildHarness.waitForExit(of: grandchildPidfd, timeoutMilliseconds: 20_000))
        #expect(child.tryReap() == .signaled(SIGKILL, coreDumped: false))

        // Signalling a group that is gone is not an error.
        try child.signalGroup(SIGTERM)
    }

    @Test("output: partial last line, a line over 8 KiB, and invalid UTF-8")
    func outputLines() throws {
        let script = """
            printf 'first\\nsecond\\n'
            printf 'err line\\n' >&2
            head -c 20000 /dev/zero | tr '\\000' x; printf '\\n'
            printf 'bad \\377\\376 bytes\\n'
            printf 'no newline at end'
            """
        let run = try ChildHarness.spawnAndCollect(
            SpawnRequest(argv: ["/bin/sh", "-c", script], environment: ["PATH=/usr/bin:/bin"]))
        #expect(run.status == .exited(0))
        #expect(run.stderr == ["err line"])
        try #require(run.stdout.count == 5)
        #expect(run.stdout[0] == "first")
        #expect(run.stdout[1] == "second")
        #expect(run.stdout[2] == String(repeating: "x", count: 8192) + " [line truncated]")
        #expect(run.stdout[3] == "bad \u{FFFD}\u{FFFD} bytes")
        #expect(run.stdout[4] == "no newline at end")
    }

    @Test("closeStream only closes descriptors the child owns")
    func closeStream() throws {
        // Streams are named, not numbered, so a descriptor that is not the
        // child's cannot even be passed; closing twice is what is left to check.
        let child = try Spawner.spawn(SpawnRequest(argv: ["/bin/true"]))
        #expect(child.isOpen(.standardOutput))
        child.closeStream(.standardOutput)
        #expect(!child.isOpen(.standardOutput))
        #expect(child.readOutputLines(from: .standardOutput) == [])
        child.closeStream(.standardOutput) // already closed: ignored
        #expect(child.isOpen(.standardError))
        #expect(try ChildHarness.waitForExit(of: [child], timeoutMilliseconds: 20_000))
        #expect(child.tryReap() == .exited(0))
    }
}
