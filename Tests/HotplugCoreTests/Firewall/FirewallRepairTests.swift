import HotplugCore
import Testing

/// The repair schedule of the nftables table: at once, then backing off to
/// at most a second, and never giving up (issue 21, item 1).
struct FirewallRepairScheduleTests {
    static func at(_ milliseconds: UInt64) -> Instant { Instant(nanoseconds: milliseconds * 1_000_000) }

    /// Repairs at `due` each time, as the daemon does; returns the delays.
    static func storm(_ repair: inout FirewallRepair, changes: Int, startingAt start: UInt64) -> [UInt64] {
        var now = start
        var delays: [UInt64] = []
        for _ in 0..<changes {
            let due = repair.changed(by: "nft (pid 7)", at: at(now))
            delays.append(due.span(since: at(now)).milliseconds)
            now = due.nanoseconds / 1_000_000
            repair.attempting(at: at(now))
            repair.repaired()
            now += 1
        }
        return delays
    }

    @Test func hdAStormIsRepairedForeverAtMostASecondApart() {
        var repair = FirewallRepair()
        let delays = Self.storm(&repair, changes: 200, startingAt: 1000)
        #expect(Array(delays.prefix(5)) == [0, 0, 0, 0, 0], "the first repairs are immediate")
        #expect(Array(delays[5..<10]) == [50, 100, 200, 400, 800], "then doubling")
        #expect(delays.allSatisfy { $0 <= 1000 }, "never more than a second")
        #expect(delays.suffix(100).allSatisfy { $0 == 1000 }, "and never given up")
        #expect(repair.repairs == 200)
        #expect(repair.state == .intact && repair.changedBy == "nft (pid 7)")
    }

    @Test func hdAQuietTableIsRepairedAtOnceAgain() {
        var repair = FirewallRepair()
        let now = Self.storm(&repair, changes: 12, startingAt: 0)
        #expect(now.last == 1000)
        #expect(repair.changed(by: nil, at: Self.at(60_000)) == Self.at(60_000), "ten quiet seconds later: at once")
    }

    @Test func hdChangesWhileARepairWaitsKeepItsTime() {
        var repair = FirewallRepair()
        _ = Self.storm(&repair, changes: 8, startingAt: 0)
        let due = repair.changed(by: "a", at: Self.at(5000))
        #expect(due > Self.at(5000))
        #expect(repair.isDegraded)
        #expect(repair.changed(by: "b", at: Self.at(5010)) == due)
        #expect(repair.changedBy == "b")
    }

    @Test func hdAFailedRepairIsTriedAgainAndSaysWhy() {
        var repair = FirewallRepair()
        _ = repair.changed(by: "nft (pid 9)", at: Self.at(100))
        repair.attempting(at: Self.at(100))
        var due = repair.failed("Operation not permitted", at: Self.at(100))
        #expect(due == Self.at(150), "a failure waits at least the first delay")
        guard case .failing(let since, _, let error) = repair.state else { Issue.record("not failing"); return }
        #expect(since == Self.at(100) && error == "Operation not permitted")
        for _ in 0..<50 {
            repair.attempting(at: due)
            let next = repair.failed("Operation not permitted", at: due)
            #expect(next.span(since: due) <= FirewallRepair.maximumDelay)
            due = next
        }
        repair.attempting(at: due)
        repair.repaired()
        #expect(!repair.isDegraded && repair.due == nil)
    }
}
