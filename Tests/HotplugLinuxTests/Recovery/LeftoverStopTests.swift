import Foundation
import Glibc
import HotplugCore
import Testing
@testable import HotplugLinux

/// Children a crashed daemon left are stopped as their binding says, not
/// with a fixed SIGTERM and 5 s.
@Suite(.serialized)
struct LeftoverStopTests {
    @Test func recordedStopSignalIsSentInsteadOfSIGTERM() throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        let victim = try Victim("trap '' TERM")
        scratch.registry(logger: log.logger).record(
            pid: victim.pid, binding: "cable", devpath: "/devices/x",
            stop: StopSequence(signal: Signal(number: SIGUSR1), timeout: .seconds(10)))
        let started = Date()
        scratch.registry(owner: .current, logger: log.logger).stopLeftovers(logger: log.logger)
        let elapsed = Date().timeIntervalSince(started)
        #expect(victim.waitForExit() == .signaled(SIGUSR1, coreDumped: false))
        #expect(elapsed < 3, "SIGUSR1 ends it at once; SIGTERM would have waited for the SIGKILL (\(elapsed) s)")
        #expect(log.contains("(SIGUSR1, SIGKILL after 10s)"))
    }

    @Test func recordedTimeoutIsWaitedForInParallelThenSIGKILL() throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        let stubborn = try (0..<3).map { _ in try Victim("trap '' TERM") }
        let writer = scratch.registry(logger: log.logger)
        for victim in stubborn {
            writer.record(pid: victim.pid, binding: "cable", devpath: "/devices/x",
                          stop: StopSequence(signal: .terminate, timeout: .milliseconds(800)))
        }
        let started = Date()
        scratch.registry(owner: .current, logger: log.logger).stopLeftovers(logger: log.logger)
        let elapsed = Date().timeIntervalSince(started)
        for victim in stubborn {
            #expect(victim.waitForExit() == .signaled(SIGKILL, coreDumped: false))
        }
        #expect(elapsed >= 0.75, "each had its 800 ms (\(elapsed) s)")
        #expect(elapsed < 2.2, "one 800 ms wait for all three, not three in a row, nor 5 s (\(elapsed) s)")
        #expect(log.messages.filter { $0.contains("sending SIGKILL to its process group") }.count == 3)
    }

    @Test func eachChildGetsItsOwnTimeout() throws {
        let scratch = try RecoveryScratch(), log = LogCapture()
        let quick = try Victim("trap '' TERM"), patient = try Victim("trap '' TERM")
        let writer = scratch.registry(logger: log.logger)
        writer.record(pid: quick.pid, binding: "quick", devpath: "/devices/q",
                      stop: StopSequence(signal: .terminate, timeout: .milliseconds(200)))
        writer.record(pid: patient.pid, binding: "patient", devpath: "/devices/p",
                      stop: StopSequence(signal: .terminate, timeout: .seconds(2)))
        let started = Date()
        let recovery = Thread { scratch.registry(owner: .current, logger: log.logger).stopLeftovers(logger: log.logger) }
        recovery.start()
        #expect(quick.waitForExit(seconds: 1.5) == .signaled(SIGKILL, coreDumped: false))
        #expect(patient.isAlive, "still inside its 2 s after \(Date().timeIntervalSince(started)) s")
        #expect(patient.waitForExit(seconds: 5) == .signaled(SIGKILL, coreDumped: false))
        #expect(Date().timeIntervalSince(started) >= 1.9)
        let deadline = Date().addingTimeInterval(10)
        while !recovery.isFinished && Date() < deadline { usleep(10_000) }
        #expect(recovery.isFinished)
    }
}
