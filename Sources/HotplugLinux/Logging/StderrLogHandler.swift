import Glibc
import HotplugCore
import Logging

/// One line per message on stderr: `warning gamelink gamelink0: message`.
/// Under systemd (JOURNAL_STREAM set) each line starts with its syslog
/// priority, `<4>`, which journald turns into the entry's PRIORITY.
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String
    private let priorityPrefix: Bool

    public init(label: String) {
        self.label = label
        self.priorityPrefix = getenv("JOURNAL_STREAM") != nil
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // The handler's own metadata is empty in the daemon: merging into it
        // copied and grew a dictionary for every line.
        var merged = event.metadata ?? [:]
        if !metadata.isEmpty { merged.merge(metadata) { current, _ in current } }
        StandardError.write(Self.line(level: event.level, message: event.message.description, metadata: merged,
                                      priorityPrefix: priorityPrefix))
    }

    /// The line written for one message. The subject (binding, interface or
    /// devpath) is escaped as the message is: an interface name is the
    /// device's, and may carry control bytes (issue 21, item 16).
    static func line(level: Logger.Level, message: String, metadata: Logger.Metadata, priorityPrefix: Bool) -> String {
        var line = priorityPrefix ? "<\(syslogPriority(level))>" : ""
        line += levelName(level)
        var subject: [String] = []
        if case .string(let binding)? = metadata["binding"] { subject.append(printable(binding)) }
        if case .string(let interface)? = metadata["interface"] {
            subject.append(printable(interface))
        } else if case .string(let devpath)? = metadata["devpath"] {
            subject.append(printable(devpath))
        }
        if !subject.isEmpty { line += " " + subject.joined(separator: " ") + ":" }
        return line + " " + printable(message) + "\n"
    }

    static func levelName(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "debug"
        case .info: "info"
        case .notice: "notice"
        case .warning: "warning"
        case .error: "error"
        case .critical: "critical"
        }
    }

    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    static func printable(_ text: String) -> String { Printable.escaped(text, keepingTabs: true) }
}

extension LogEntry.Level {
    var loggerLevel: Logger.Level {
        switch self {
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        }
    }
}

extension Logger {
    /// Logs a core `LogEntry` with its binding and device as metadata.
    func log(_ entry: LogEntry) {
        var metadata: Logger.Metadata = [:]
        if let binding = entry.binding { metadata["binding"] = .string(binding) }
        if let devpath = entry.devpath { metadata["devpath"] = .string(devpath) }
        if let interface = entry.interface { metadata["interface"] = .string(interface) }
        if let pid = entry.pid { metadata["child_pid"] = .string(pid.description) }
        log(level: entry.level.loggerLevel, "\(entry.message)", metadata: metadata)
    }
}
