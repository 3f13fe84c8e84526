/// `WATCHDOG_USEC` and `WATCHDOG_PID` read as sd_watchdog_enabled(3) reads
/// them: the timeout in microseconds when systemd watches this process, nil
/// when it does not (no variable, another process's, or a malformed value,
/// which is treated like no watchdog rather than a reason to fail).
enum WatchdogEnvironment {
    static func timeoutMicroseconds(usec: String?, pid: String?, ownPID: Int32) -> UInt64? {
        guard let usec, let microseconds = decimal(usec), microseconds > 0, microseconds != UInt64.max else { return nil }
        // No WATCHDOG_PID: meant for whoever reads it.
        guard let pid else { return microseconds }
        guard let watched = decimal(pid), watched > 0, watched == UInt64(ownPID) else { return nil }
        return microseconds
    }

    /// Digits only: no sign, no spaces, no overflow.
    private static func decimal(_ text: String) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return UInt64(text)
    }
}
