/// A bound on several requests together (a link configuration makes up to
/// six), set by `RouteNetlink.withTimeLimit`. Each request also keeps its
/// own timeout; whichever ends first ends the wait.
struct NetlinkTimeLimit: Sendable {
    /// CLOCK_MONOTONIC nanoseconds (see `MonotonicClock`).
    let end: UInt64
    let total: Duration
    /// What the requests are for, for the error message: "configuring a link".
    let purpose: String

    init(_ total: Duration, from now: UInt64, for purpose: String) {
        self.total = total
        self.purpose = purpose
        end = now.addingClamped(total.clampedNanoseconds)
    }

    /// The earlier of two limits: an inner limit never extends an outer one.
    func earlier(_ other: NetlinkTimeLimit?) -> NetlinkTimeLimit {
        guard let other, other.end < end else { return self }
        return other
    }
}

/// When one request stops waiting for its reply, and how to say so: the
/// error must tell plainly that the kernel did not answer, and within how long.
struct ReplyDeadline: Sendable {
    let end: UInt64
    /// What the ETIMEDOUT error says when the wait ends.
    let expiry: String

    /// The deadline of a request sent `now` with its own `timeout`, cut short
    /// by `limit` when that ends first. Nil when `limit` has run out already:
    /// then the request is not sent at all.
    init?(sentAt now: UInt64, timeout: Duration, limit: NetlinkTimeLimit?) {
        let own = now.addingClamped(timeout.clampedNanoseconds)
        guard let limit, limit.end < own else {
            end = own
            expiry = "the kernel did not answer within \(Self.milliseconds(timeout.clampedNanoseconds)) ms"
            return
        }
        guard limit.end > now else { return nil }
        end = limit.end
        expiry = "the kernel did not answer within \(Self.milliseconds(limit.end - now)) ms, "
            + "what was left of the \(Self.milliseconds(limit.total.clampedNanoseconds)) ms allowed for \(limit.purpose)"
    }

    /// Why a request was not sent: nothing was left of `limit`.
    static func exhausted(_ limit: NetlinkTimeLimit) -> String {
        "not sent: the \(milliseconds(limit.total.clampedNanoseconds)) ms allowed for \(limit.purpose) had run out"
    }

    /// Milliseconds to wait in poll(2) at `now`: rounded up, so a remainder
    /// below one millisecond waits instead of spinning; 0 once past the end.
    func remainingMilliseconds(at now: UInt64) -> Int32 {
        guard now < end else { return 0 }
        return Int32(clamping: (end - now + 999_999) / 1_000_000)
    }

    private static func milliseconds(_ nanoseconds: UInt64) -> UInt64 {
        (nanoseconds + 500_000) / 1_000_000
    }
}

extension Duration {
    /// Whole nanoseconds, 0 for a negative duration, saturating when huge.
    var clampedNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 || seconds > 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return UInt64.max }
        return whole.addingClamped(UInt64(max(attoseconds, 0) / 1_000_000_000))
    }
}

extension UInt64 {
    func addingClamped(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? UInt64.max : sum
    }
}
