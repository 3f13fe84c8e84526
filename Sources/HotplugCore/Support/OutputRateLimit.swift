/// How many of a child's output lines reach the log: a token bucket per
/// child, so a child that writes as fast as it can (`yes`) cannot flood the
/// log or starve the event loop, while a burst at start-up passes whole.
/// Lines over the limit are dropped and counted, and the count is logged
/// once the child is quiet enough again (or gone).
public struct OutputRateLimit: Sendable {
    public static let burstLines = 1000
    public static let linesPerSecond = 200

    private var tokens: Int
    private var refilledAt: UInt64
    /// Lines dropped since the last summary.
    public private(set) var dropped = 0
    private var reportedAt: UInt64

    public init(now: UInt64) {
        tokens = Self.burstLines
        refilledAt = now
        reportedAt = now
    }

    /// Whether the next line may be logged; a refused line is counted.
    public mutating func admit(now: UInt64) -> Bool {
        refill(now)
        guard tokens > 0 else {
            dropped += 1
            return false
        }
        tokens -= 1
        return true
    }

    /// Whether lines would be refused now: then the caller need not even
    /// turn the bytes into lines, only count them with `drop`.
    public mutating func isExhausted(now: UInt64) -> Bool {
        refill(now)
        return tokens == 0
    }

    public mutating func drop(_ count: Int) { dropped += count }

    /// The count of dropped lines to report: once lines pass again, at
    /// most once a second while the child stays over the limit, and at the
    /// end; nil while there is nothing to report.
    public mutating func summary(now: UInt64, final: Bool = false) -> Int? {
        refill(now)
        let aSecondLater = now >= reportedAt + 1_000_000_000
        guard dropped > 0, final || tokens > 0 || aSecondLater else { return nil }
        defer {
            dropped = 0
            reportedAt = now
        }
        return dropped
    }

    private mutating func refill(_ now: UInt64) {
        guard now > refilledAt else { return }
        let earned = Int(min((now - refilledAt) / (1_000_000_000 / UInt64(Self.linesPerSecond)), UInt64(Self.burstLines)))
        guard earned > 0 else { return }
        tokens = min(Self.burstLines, tokens + earned)
        refilledAt = earned == Self.burstLines ? now : refilledAt + UInt64(earned) * (1_000_000_000 / UInt64(Self.linesPerSecond))
    }
}
