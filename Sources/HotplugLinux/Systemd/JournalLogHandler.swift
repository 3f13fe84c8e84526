import Glibc
import Logging

/// Sends each message to journald as one structured entry (its native
/// protocol, the one sd_journal_sendv(3) speaks; see `JournalSocket`),
/// so `journalctl BINDING=gamelink` or `journalctl INTERFACE=gamelink0` finds a
/// binding's or a device's story without grepping.
///
/// The message goes as it is: journald fields are length-delimited, so a
/// child's line with escape sequences or stray bytes is stored intact (and
/// `journalctl` shows it safely), unlike on stderr where it is escaped.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    private let label: String

    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // The event's metadata wins over the handler's, which wins over the
        // provider's; started from the event's, as the others are empty in
        // the daemon, so no dictionary is copied and grown for every entry.
        var merged = event.metadata ?? [:]
        if !metadata.isEmpty { merged.merge(metadata) { current, _ in current } }
        if let provided = metadataProvider?.get(), !provided.isEmpty { merged.merge(provided) { current, _ in current } }
        let entry = Self.fields(level: event.level, message: event.message.description, metadata: merged)
            + Self.locationFields(file: event.file, line: event.line, function: event.function)
        do {
            try JournalSocket.shared.send(entry)
            return
        } catch {}
        // journald is gone (restarting, or stopped at shutdown): a message is
        // worth more on stderr, which systemd also collects, than lost.
        var fallback = StderrLogHandler(label: label)
        fallback.logLevel = logLevel
        fallback.metadata = merged
        fallback.log(event: event)
    }

    /// The journal fields of one message, `NAME=value` each.
    ///
    /// The four metadata keys the daemon sets get plain field names, which
    /// other tools already use for the same things (udev's `DEVPATH` and
    /// `INTERFACE`); any other key becomes `HOTPLUGD_<KEY>`, so it can never
    /// pose as a field journald or another program gives a meaning to.
    static func fields(level: Logger.Level, message: String, metadata: Logger.Metadata) -> [String] {
        var fields = [
            // Escaped as on stderr and in `status`: what journalctl prints
            // must not drive a terminal. The fields below keep the exact
            // bytes, for matching (`journalctl INTERFACE=...`).
            "MESSAGE=" + StderrLogHandler.printable(message),
            // The syslog numbers, the same ones StderrLogHandler prefixes its lines with.
            "PRIORITY=\(StderrLogHandler.syslogPriority(level))",
            "SYSLOG_IDENTIFIER=hotplugd",
        ]
        for (key, fieldName) in wellKnownFields {
            if let value = metadata[key] { fields.append(fieldName + "=" + text(of: value)) }
        }
        let wellKnownKeys = Set(wellKnownFields.map(\.key))
        // Sorted, so an entry's fields come in the same order every time.
        for key in metadata.keys.sorted() where !wellKnownKeys.contains(key) {
            if let value = metadata[key] { fields.append(fieldName(forMetadataKey: key) + "=" + text(of: value)) }
        }
        return fields
    }

    private static let wellKnownFields: [(key: String, fieldName: String)] = [
        ("binding", "BINDING"), ("devpath", "DEVPATH"), ("interface", "INTERFACE"), ("child_pid", "CHILD_PID"),
    ]

    /// `HOTPLUGD_` and the key in upper case, with anything but `A-Z0-9_`
    /// made `_`: journald drops a field whose name has other characters.
    /// journald also drops names longer than 64 bytes, so longer ones are cut.
    static func fieldName(forMetadataKey key: String) -> String {
        var name = "HOTPLUGD_"
        for scalar in key.uppercased().unicodeScalars {
            let allowed = ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_"
            name.unicodeScalars.append(allowed ? scalar : "_")
        }
        return String(name.prefix(maximumFieldNameLength))
    }

    private static let maximumFieldNameLength = 64

    /// Where the message was logged, under the names sd_journal_send(3) uses
    /// for C callers, so `journalctl -o verbose` points at the line of Swift.
    static func locationFields(file: String, line: UInt, function: String) -> [String] {
        ["CODE_FILE=" + file, "CODE_LINE=\(line)", "CODE_FUNC=" + function]
    }

    private static func text(of value: Logger.Metadata.Value) -> String {
        if case .string(let string) = value { return string }
        return value.description
    }
}
