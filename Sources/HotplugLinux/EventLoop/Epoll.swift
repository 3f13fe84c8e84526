import CHotplugSpawn
import Glibc

/// Interest and readiness flags for `Epoll`, mirroring EPOLL* values.
public struct EpollEvents: OptionSet, Sendable, Hashable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let readable = EpollEvents(rawValue: hotplug_epoll_in)
    public static let writable = EpollEvents(rawValue: hotplug_epoll_out)
    public static let priority = EpollEvents(rawValue: hotplug_epoll_pri)
    /// Reported even when not requested.
    public static let error = EpollEvents(rawValue: hotplug_epoll_err)
    /// Reported even when not requested: for a pipe, the writer is gone.
    public static let hangup = EpollEvents(rawValue: hotplug_epoll_hup)
    public static let peerClosed = EpollEvents(rawValue: hotplug_epoll_rdhup)
    public static let edgeTriggered = EpollEvents(rawValue: hotplug_epoll_et)
    public static let oneShot = EpollEvents(rawValue: hotplug_epoll_oneshot)
}

/// An epoll instance. Registrations carry a caller-chosen 64-bit token that
/// `wait` hands back, so the loop can map readiness to its own objects
/// without keeping an fd table in sync. What is registered is an owner
/// (`EpollWatchable`), never a bare number that may be closed or reused.
///
/// Immutable and safe to share: the kernel serialises epoll_ctl/epoll_wait.
public final class Epoll: Sendable {
    let descriptor: FileDescriptor

    /// Readiness delivered per `wait` call at most (the kernel round-robins
    /// the rest on the next call, so nothing starves).
    public static let maximumEventsPerWait = 64

    public init() throws(SystemCallError) {
        descriptor = try FileDescriptor.adopting(hotplug_epoll_create(), "epoll_create1")
    }

    public func add<Watched: EpollWatchable & ~Copyable>(
        _ watched: borrowing Watched, token: UInt64, events: EpollEvents
    ) throws(SystemCallError) {
        try control(hotplug_epoll_ctl_add, "ADD", watched, token, events)
    }

    public func modify<Watched: EpollWatchable & ~Copyable>(
        _ watched: borrowing Watched, token: UInt64, events: EpollEvents
    ) throws(SystemCallError) {
        try control(hotplug_epoll_ctl_mod, "MOD", watched, token, events)
    }

    /// Watches `fresh` instead of `old`, under `token`: `fresh` is added
    /// first, and `old` leaves only once that worked, so a failure leaves
    /// `old` watched as it was (and the caller keeps it) rather than
    /// neither. Both are briefly registered; no wait can fall in between.
    public func replace<Old: EpollWatchable & ~Copyable, Fresh: EpollWatchable & ~Copyable>(
        _ old: borrowing Old, with fresh: borrowing Fresh, token: UInt64, events: EpollEvents
    ) throws(SystemCallError) {
        try add(fresh, token: token, events: events)
        // A failure here is not the caller's: closing `old` drops it from
        // the interest list anyway.
        try? remove(old)
    }

    /// Remove before closing the descriptor: a closed one only leaves the
    /// interest list once every duplicate of it is closed too.
    public func remove<Watched: EpollWatchable & ~Copyable>(_ watched: borrowing Watched) throws(SystemCallError) {
        try control(hotplug_epoll_ctl_del, "DEL", watched, 0, [])
    }

    private func control<Watched: EpollWatchable & ~Copyable>(
        _ operation: Int32, _ name: String, _ watched: borrowing Watched, _ token: UInt64, _ events: EpollEvents
    ) throws(SystemCallError) {
        try watched.withWatchedDescriptor { target throws(SystemCallError) in
            guard hotplug_epoll_ctl(descriptor.rawValue, operation, target.rawValue, events.rawValue, token) == 0 else {
                let failure = errno
                throw SystemCallError("epoll_ctl(\(name) fd \(target.rawValue))", errno: failure)
            }
        }
    }

    /// Waits for readiness. `timeoutMilliseconds` < 0 waits forever, 0 polls.
    /// Signal interruptions are retried with the remaining time, so a wait
    /// never ends early without events except by its timeout.
    public func wait(timeoutMilliseconds: Int32) throws(SystemCallError) -> [(token: UInt64, events: UInt32)] {
        let deadline: UInt64? = timeoutMilliseconds > 0
            ? MonotonicClock.now() + UInt64(timeoutMilliseconds) * 1_000_000
            : nil
        var timeout = timeoutMilliseconds
        var ready = [hotplug_epoll_ready](repeating: hotplug_epoll_ready(), count: Epoll.maximumEventsPerWait)
        while true {
            let count = ready.withUnsafeMutableBufferPointer { buffer -> Int32 in
                guard let base = buffer.baseAddress else { return 0 }
                return hotplug_epoll_wait(descriptor.rawValue, base, Int32(buffer.count), timeout)
            }
            if count >= 0 {
                return ready.prefix(Int(count)).map { (token: $0.token, events: $0.events) }
            }
            let failure = errno
            guard failure == EINTR else {
                throw SystemCallError("epoll_wait(fd \(descriptor.rawValue))", errno: failure)
            }
            if let deadline {
                let now = MonotonicClock.now()
                if now >= deadline { return [] }
                // Round up so we never spin on a sub-millisecond remainder.
                timeout = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
            }
        }
    }
}
