import Glibc

/// Wall-clock time for log lines and status, formatted without Foundation.
public struct WallClock: Sendable {
    public var seconds: Int
    public var nanoseconds: Int

    public static func now() -> WallClock {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return WallClock(seconds: spec.tv_sec, nanoseconds: spec.tv_nsec)
    }

    /// `2026-11-24T21:02:11Z`, as in `status --json`.
    public var iso8601: String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))T\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec))Z"
    }

    /// `21:02:11.123` in local time, for lines a person reads.
    public var localTimeOfDay: String {
        var time = time_t(seconds)
        var parts = tm()
        localtime_r(&time, &parts)
        let millis = nanoseconds / 1_000_000
        let ms = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec)).\(ms)"
    }

    private func pad(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
