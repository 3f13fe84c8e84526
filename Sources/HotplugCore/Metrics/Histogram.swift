/// A Prometheus histogram of durations: cumulative buckets with fixed upper
/// bounds. Counted in whole nanoseconds, so observing is a handful of
/// integer compares and adds into storage made once, with no allocation and
/// no floating point; seconds appear only in the rendered text.
public struct Histogram: Sendable, Equatable {
    /// Upper bounds in nanoseconds, ascending; `+Inf` is implied.
    public let bounds: [UInt64]
    /// Observations per bucket (not cumulative); the last one is `+Inf`'s own.
    public internal(set) var counts: [UInt64]
    public internal(set) var sumNanoseconds: UInt64 = 0
    public internal(set) var count: UInt64 = 0

    public init(bounds: [UInt64]) {
        precondition(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "histogram bounds must ascend")
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count + 1)
    }

    public mutating func observe(_ span: TimeSpan) {
        let nanoseconds = span.nanoseconds
        var index = 0
        while index < bounds.count && nanoseconds > bounds[index] { index += 1 }
        counts[index] &+= 1
        sumNanoseconds &+= nanoseconds
        count &+= 1
    }

    /// `(upper bound, observations at or below it)`, the `+Inf` bucket
    /// (bound nil) last: the `_bucket` series.
    public var cumulativeBuckets: [(bound: UInt64?, count: UInt64)] {
        var total: UInt64 = 0
        return counts.indices.map { index in
            total &+= counts[index]
            return (index < bounds.count ? bounds[index] : nil, total)
        }
    }

    /// Matching is micro- to milliseconds: the index lookup alone, or
    /// reading the device's facts from sysfs as well.
    public static let matchBounds: [UInt64] = [
        1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000, 100_000_000,
    ]

    /// From an add to its child: a few milliseconds with nothing but a
    /// spawn, more with a link to configure and firewall rules to install.
    public static let spawnBounds: [UInt64] = [
        250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000,
        100_000_000, 250_000_000, 500_000_000, 1_000_000_000, 2_500_000_000, 5_000_000_000,
        10_000_000_000, 30_000_000_000,
    ]
}
