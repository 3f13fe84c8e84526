import CHotplugSpawn
import Glibc

/// A one-shot CLOCK_MONOTONIC timer that becomes readable at an absolute
/// deadline (see `MonotonicClock.now()`). Absolute deadlines avoid drift when
/// the loop is late re-arming. Nonblocking and close-on-exec.
public final class TimerFD: Sendable {
    public let fileDescriptor: Int32

    public init() throws(SystemCallError) {
        let fd = hotplug_timerfd_create()
        guard fd >= 0 else { throw SystemCallError("timerfd_create(CLOCK_MONOTONIC)", errno: errno) }
        fileDescriptor = fd
    }

    deinit { OwnedFileDescriptor.close(fileDescriptor) }

    /// Fires once at `deadlineNanoseconds` on the monotonic clock. A deadline
    /// in the past fires immediately (0 is bumped to 1 because the kernel
    /// reads a zero deadline as "disarm").
    public func arm(deadlineNanoseconds: UInt64) throws(SystemCallError) {
        guard hotplug_timerfd_set_absolute(fileDescriptor, max(deadlineNanoseconds, 1)) == 0 else {
            throw SystemCallError("timerfd_settime(fd \(fileDescriptor), \(deadlineNanoseconds))", errno: errno)
        }
    }

    public func disarm() throws(SystemCallError) {
        guard hotplug_timerfd_set_absolute(fileDescriptor, 0) == 0 else {
            throw SystemCallError("timerfd_settime(fd \(fileDescriptor), disarm)", errno: errno)
        }
    }

    /// Consumes the expiration so the fd stops being readable. Returns how
    /// many expirations were pending (0 if none: a spurious wakeup).
    @discardableResult
    public func acknowledge() throws(SystemCallError) -> UInt64 {
        var expirations: UInt64 = 0
        while true {
            let count = withUnsafeMutableBytes(of: &expirations) { buffer in
                Glibc.read(fileDescriptor, buffer.baseAddress, buffer.count)
            }
            if count == MemoryLayout<UInt64>.size { return expirations }
            let failure = errno
            if count < 0 && failure == EINTR { continue }
            if count < 0 && (failure == EAGAIN || failure == EWOULDBLOCK) { return 0 }
            throw SystemCallError("read(timerfd fd \(fileDescriptor))", errno: count < 0 ? failure : EIO)
        }
    }
}
