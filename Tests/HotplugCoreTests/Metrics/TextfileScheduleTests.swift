import Testing
@testable import HotplugCore

/// The textfile is written after a change, at most once a second, and
/// nothing is scheduled while nothing changes.
struct TextfileScheduleTests {
    static func at(_ milliseconds: UInt64) -> Instant { Instant(nanoseconds: 1_000_000_000 + milliseconds * 1_000_000) }

    @Test func firstChangeIsWrittenAtOnce() {
        let schedule = TextfileSchedule()
        #expect(schedule.decide(generation: 1, now: Self.at(0)) == .writeNow)
    }

    @Test func nothingChangedMeansNothingToDoAndNoTimer() {
        var schedule = TextfileSchedule()
        schedule.attempted(generation: 5, at: Self.at(0))
        #expect(schedule.decide(generation: 5, now: Self.at(10)) == .nothing)
        #expect(schedule.decide(generation: 5, now: Self.at(60_000)) == .nothing)
    }

    @Test func aChangeInsideTheSecondWaitsForItsEnd() {
        var schedule = TextfileSchedule()
        schedule.attempted(generation: 1, at: Self.at(0))
        #expect(schedule.decide(generation: 2, now: Self.at(300)) == .wakeAt(Self.at(1_000)))
        #expect(schedule.decide(generation: 3, now: Self.at(900)) == .wakeAt(Self.at(1_000)), "the same timer, not a later one")
        #expect(schedule.decide(generation: 3, now: Self.at(1_000)) == .writeNow)
        schedule.attempted(generation: 3, at: Self.at(1_000))
        #expect(schedule.decide(generation: 3, now: Self.at(1_001)) == .nothing)
    }

    @Test func aChangeAfterTheSecondIsWrittenAtOnce() {
        var schedule = TextfileSchedule()
        schedule.attempted(generation: 1, at: Self.at(0))
        #expect(schedule.decide(generation: 2, now: Self.at(2_500)) == .writeNow)
    }

    /// A write that failed is not retried by a timer (which would wake an
    /// idle daemon every second), only on the next change.
    @Test func aFailedWriteWaitsForTheNextChange() {
        var schedule = TextfileSchedule()
        schedule.attempted(generation: 7, at: Self.at(0))
        #expect(schedule.decide(generation: 7, now: Self.at(5_000)) == .nothing)
        #expect(schedule.decide(generation: 8, now: Self.at(5_000)) == .writeNow)
    }
}
