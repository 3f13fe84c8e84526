import Glibc

/// CLOCK_MONOTONIC in nanoseconds: the time base for every deadline in the
/// event loop (TimerFD deadlines are absolute values on this clock). It never
/// jumps with wall-clock changes, which matters for restart back-off timers.
public enum MonotonicClock {
    public static func now() -> UInt64 {
        var time = timespec()
        // CLOCK_MONOTONIC with a valid pointer cannot fail on Linux.
        _ = clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}
