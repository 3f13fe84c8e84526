import Glibc
import Testing
@testable import HotplugLinux

/// The start time a spawn reports without /proc is the one /proc gives,
/// so a crash-recovery record written from it names the same process.
struct StartTickTests {
    @Test func startTickFromTheBootClockIsTheOneProcShows() throws {
        var known = 0
        for _ in 0..<40 {
            let child = try Spawner.spawn(SpawnRequest(argv: ["/bin/sleep", "0.2"]))
            // Read while the child runs (or is a zombie): its pid is not free yet.
            let fromProc = ProcessIdentity.startTime(of: child.pid)
            if let tick = child.startTick {
                known += 1
                #expect(tick == fromProc)
            }
            try child.signalGroup(SIGKILL)
        }
        // A spawn takes well under a tick (10 ms), so on a quiet machine most
        // fall inside one; on a loaded one the child can be preempted between
        // the two readings, and /proc is asked instead. A quarter is proof
        // enough that the boot clock's path is taken (this asserts a path,
        // not a speed). None where vfork() is a plain fork() (ThreadSanitizer
        // makes it one): the child's reading stays in its own memory.
        #expect(known == 0 || known >= 10)
    }
}
