import CHotplugSpawn
import Glibc

/// A one-shot CLOCK_MONOTONIC timer that becomes readable at an absolute
/// deadline (see `MonotonicClock.now()`). Absolute deadlines avoid drift when
/// the loop is late re-arming. Nonblocking and close-on-exec.
public final class TimerFD: Sendable {
    let descriptor: FileDescriptor

    public init() throws(SystemCallError) {
        descriptor = try FileDescriptor.adopting(hotplug_timerfd_create(), "timerfd_create(CLOCK_MONOTONIC)")
    }

    /// Fires once at `deadlineNanoseconds` on the monotonic clock. A deadline
    /// in the past fires immediately (0 is bumped to 1 because the kernel
    /// reads a zero deadline as "disarm").
    public func arm(deadlineNanoseconds: UInt64) throws(SystemCallError) {
        guard hotplug_timerfd_set_absolute(descriptor.rawValue, max(deadlineNanoseconds, 1)) == 0 else {
            throw SystemCallError("timerfd_settime(fd \(descriptor.rawValue), \(deadlineNanoseconds))", errno: errno)
        }
    }

    public func disarm() throws(SystemCallError) {
        guard hotplug_timerfd_set_absolute(descriptor.rawValue, 0) == 0 else {
            throw SystemCallError("timerfd_settime(fd \(descriptor.rawValue), disarm)", errno: errno)
        }
    }

    /// Consumes the expiration so the fd stops being readable. Returns how
    /// many expirations were pending (0 if none: a spurious wakeup).
    @discardableResult
    public func acknowledge() throws(SystemCallError) -> UInt64 {
        var expirations: UInt64 = 0
        while true {
            let count = withUnsafeMutableBytes(of: &expirations) { buffer in
                Glibc.read(descriptor.rawValue, buffer.baseAddress, buffer.count)
            }
            if count == MemoryLayout<UInt64>.size { return expirations }
            let failure = errno
            if count < 0 && failure == EINTR { continue }
            if count < 0 && (failure == EAGAIN || failure == EWOULDBLOCK) { return 0 }
            throw SystemCallError("read(timerfd fd \(descriptor.rawValue))", errno: count < 0 ? failure : EIO)
        }
    }
}

extension TimerFD: EpollWatchable {
    public func withWatchedDescriptor<Result>(
        _ body: (borrowing FileDescriptor) throws(SystemCallError) -> Result
    ) throws(SystemCallError) -> Result {
        try body(descriptor)
    }
}
