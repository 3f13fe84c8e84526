import Glibc
import Logging

/// Picks where hotplugd's log goes, once, at start-up: straight to the
/// journal when systemd connected stderr to it, otherwise stderr lines.
public enum LogBackend {
    /// Bootstraps swift-log. Call it once per process, before the first Logger.
    ///
    /// The level comes from `HOTPLUGD_LOG_LEVEL` (debug, info, notice,
    /// warning or error; default info). An unknown value is reported and
    /// ignored rather than fatal: a typo in a unit file should not keep the
    /// daemon from supervising devices.
    public static func bootstrap() {
        let requestedLevel = getenv("HOTPLUGD_LOG_LEVEL").map { String(cString: $0) }
        let level = requestedLevel.flatMap(self.level(named:)) ?? .info
        let toJournal = stderrIsJournal()
        LoggingSystem.bootstrap { label in
            if toJournal {
                var handler = JournalLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
            var handler = StderrLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        if let requestedLevel, self.level(named: requestedLevel) == nil {
            Logger(label: "hotplugd").warning(
                "HOTPLUGD_LOG_LEVEL=\(requestedLevel) is not one of debug, info, notice, warning, error: using info")
        }
    }

    /// The levels `HOTPLUGD_LOG_LEVEL` accepts, named as the log lines name them.
    static func level(named name: String) -> Logger.Level? {
        switch name.lowercased() {
        case "debug": .debug
        case "info": .info
        case "notice": .notice
        case "warning": .warning
        case "error": .error
        default: nil
        }
    }

    /// systemd's documented test (systemd.exec(5), JOURNAL_STREAM): the
    /// variable names the device and inode of the stream it connected, and
    /// stderr is still that stream only if fstat(2) agrees. A mere presence
    /// check would be fooled by `hotplugd run 2>file` from a shell started by
    /// systemd, where the variable is inherited but stderr goes elsewhere.
    static func stderrIsJournal() -> Bool {
        guard let value = getenv("JOURNAL_STREAM") else { return false }
        var status = stat()
        guard fstat(STDERR_FILENO, &status) == 0 else { return false }
        return journalStream(String(cString: value), device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }

    /// Whether a `JOURNAL_STREAM` value ("DEVICE:INODE", both decimal)
    /// names this device and inode. Anything malformed is simply no match.
    static func journalStream(_ value: String, device: UInt64, inode: UInt64) -> Bool {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let streamDevice = UInt64(parts[0]), let streamInode = UInt64(parts[1]) else {
            return false
        }
        return streamDevice == device && streamInode == inode
    }
}
