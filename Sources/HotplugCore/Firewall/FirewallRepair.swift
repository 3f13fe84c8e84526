/// Whether hotplugd's nftables table is in place, and when to put it back
/// after someone else changed it. Never gives up: a plugged device must not
/// stand unfiltered for longer than the longest delay.
///
/// The first `freeRepairs` repairs in `window` happen at once (an `nft flush
/// ruleset`, a reload of nftables.service). Past that, someone keeps
/// changing the table; each further repair waits twice as long as the one
/// before, from `firstDelay` up to `maximumDelay` (1 s), so a flush storm
/// costs at most a few transactions a second and the rules are never gone
/// for more than a second after the storm's last change. A failed repair is
/// tried again on the same schedule.
public struct FirewallRepair: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// As written, as far as hotplugd knows.
        case intact
        /// Changed by someone else at `since`; the repair is due at `due`.
        case repairing(since: Instant, due: Instant)
        /// The last repair failed with `error`; tried again at `due`.
        case failing(since: Instant, due: Instant, error: String)
    }

    public private(set) var state: State = .intact
    /// Repairs done since the daemon started.
    public private(set) var repairs: UInt64 = 0
    /// Who changed the table last, as nftables reported it.
    public private(set) var changedBy: String?
    /// When the recent repairs (or failed tries) happened, oldest first;
    /// never more than the window can hold at the longest delay.
    private var recent: [Instant] = []

    public static let freeRepairs = 5
    public static let window = TimeSpan.seconds(10)
    public static let firstDelay = TimeSpan.milliseconds(50)
    public static let maximumDelay = TimeSpan.seconds(1)

    public init() {}

    /// Whether the table is not known to hold what hotplugd wrote.
    public var isDegraded: Bool { state != .intact }

    /// When the next try is due; nil while intact.
    public var due: Instant? {
        switch state {
        case .intact: nil
        case .repairing(_, let due), .failing(_, let due, _): due
        }
    }

    /// Someone else changed the table at `now`: returns when to repair.
    /// A change while a repair is already due keeps that time.
    public mutating func changed(by process: String?, at now: Instant) -> Instant {
        if let process { changedBy = process }
        switch state {
        case .intact:
            let due = now + delay(at: now)
            state = .repairing(since: now, due: due)
            return due
        case .repairing(_, let due), .failing(_, let due, _):
            return due
        }
    }

    /// The repair is being tried at `now`.
    public mutating func attempting(at now: Instant) {
        forgetOld(now)
        recent.append(now)
    }

    public mutating func repaired() {
        repairs &+= 1
        state = .intact
    }

    /// The try at `now` failed: returns when to try again.
    public mutating func failed(_ error: String, at now: Instant) -> Instant {
        let since: Instant = switch state {
        case .intact: now
        case .repairing(let since, _), .failing(let since, _, _): since
        }
        let due = now + max(delay(at: now), Self.firstDelay)
        state = .failing(since: since, due: due, error: error)
        return due
    }

    /// Zero for the first `freeRepairs` tries in the window, then doubling.
    func delay(at now: Instant) -> TimeSpan {
        var recentCount = 0
        for time in recent where now.span(since: time) <= Self.window { recentCount += 1 }
        guard recentCount >= Self.freeRepairs else { return .zero }
        let doublings = min(recentCount - Self.freeRepairs, 10)
        return min(TimeSpan(nanoseconds: Self.firstDelay.nanoseconds << UInt64(doublings)), Self.maximumDelay)
    }

    private mutating func forgetOld(_ now: Instant) {
        recent.removeAll { now.span(since: $0) > Self.window }
    }
}
