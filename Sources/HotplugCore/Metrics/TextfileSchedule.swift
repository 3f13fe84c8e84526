/// When the daemon rewrites its metrics textfile: after a wake-up that
/// changed something, at most once per `interval`. While nothing changes
/// there is nothing to do and no timer, so an idle daemon is never woken
/// for its metrics; a change inside the interval arms a timer for the end
/// of it, and that one wake-up writes everything that changed meanwhile.
public struct TextfileSchedule: Sendable, Equatable {
    public enum Decision: Sendable, Equatable {
        /// Everything is written (or was tried): no timer is needed.
        case nothing
        case writeNow
        /// A change waits: wake up at this instant to write it.
        case wakeAt(Instant)
    }

    public let interval: TimeSpan
    public private(set) var lastAttempt: Instant?
    public private(set) var writtenGeneration: UInt64?

    public init(interval: TimeSpan = .seconds(1)) {
        self.interval = interval
    }

    /// After each wake-up of the loop (the timer's included), with the
    /// metrics' generation then.
    public func decide(generation: UInt64, now: Instant) -> Decision {
        guard generation != writtenGeneration else { return .nothing }
        guard let lastAttempt else { return .writeNow }
        let due = lastAttempt + interval
        return now >= due ? .writeNow : .wakeAt(due)
    }

    /// The file was written, or writing it failed: either way this
    /// generation is done, so a file that cannot be written is tried again
    /// on the next change, not on a timer that would wake an idle daemon.
    public mutating func attempted(generation: UInt64, at now: Instant) {
        writtenGeneration = generation
        lastAttempt = now
    }
}
