import Testing
@testable import HotplugCore

/// A child's output reaches the log at most at a sustained rate with a
/// burst; the rest is counted and reported once lines pass again.
struct OutputRateLimitTests {
    static let second: UInt64 = 1_000_000_000

    static func admitted(_ limit: inout OutputRateLimit, _ count: Int, now: UInt64) -> Int {
        var passed = 0
        for _ in 0..<count where limit.admit(now: now) { passed += 1 }
        return passed
    }

    @Test func aBurstPassesWholeThenTheRateHolds() {
        var limit = OutputRateLimit(now: 0)
        #expect(Self.admitted(&limit, OutputRateLimit.burstLines, now: 0) == OutputRateLimit.burstLines)
        #expect(Self.admitted(&limit, 1, now: 0) == 0 && limit.dropped == 1)
        let exhausted = limit.isExhausted(now: 0)
        #expect(exhausted)
        limit.drop(99)
        let early = limit.summary(now: 0)
        #expect(early == nil, "still over the limit, within the second: nothing to report yet")
        let half = Self.second / 2
        #expect(Self.admitted(&limit, OutputRateLimit.linesPerSecond, now: half) == OutputRateLimit.linesPerSecond / 2)
        let reported = limit.summary(now: Self.second)
        let again = limit.summary(now: Self.second)
        #expect(reported == 200, "reported once lines pass again")
        #expect(again == nil, "and only once")
    }

    @Test func aChildThatStaysOverTheLimitIsReportedOnceASecond() {
        var limit = OutputRateLimit(now: 0)
        _ = Self.admitted(&limit, OutputRateLimit.burstLines + 10, now: 0)
        var reports: [Int] = []
        for tick in 1...20 {
            let now = UInt64(tick) * Self.second / 10
            _ = Self.admitted(&limit, 100, now: now)
            if let count = limit.summary(now: now) { reports.append(count) }
        }
        #expect(reports.count == 2, "\(reports)")
        #expect(reports.reduce(0, +) + limit.dropped == 10 + 20 * 100 - 2 * OutputRateLimit.linesPerSecond)
    }

    @Test func theFinalSummaryReportsWhatIsLeft() {
        var limit = OutputRateLimit(now: 0)
        _ = Self.admitted(&limit, OutputRateLimit.burstLines + 1, now: 0)
        let final = limit.summary(now: 0, final: true)
        #expect(final == 1)
    }

    @Test func aQuietChildGetsItsBurstBack() {
        var limit = OutputRateLimit(now: 0)
        _ = Self.admitted(&limit, OutputRateLimit.burstLines, now: 0)
        let exhausted = limit.isExhausted(now: 10 * Self.second)
        #expect(!exhausted)
        #expect(Self.admitted(&limit, OutputRateLimit.burstLines, now: 10 * Self.second) == OutputRateLimit.burstLines)
    }
}
