import Glibc
import HotplugCore

/// Conversions between signal names (as written in configuration and shown
/// in logs) and Linux signal numbers.
public enum SignalName {
    /// The standard signals come from the core's table, the one config
    /// validation uses; this type adds aliases and real-time signals.
    private static var table: [(name: String, number: Int32)] { Signal.standard }

    /// Alternative spellings accepted on input; never produced by `name`.
    private static let aliases: [String: Int32] = [
        "SIGIOT": SIGABRT, "SIGPOLL": SIGIO, "SIGCLD": SIGCHLD,
    ]

    /// Accepts "SIGTERM", "TERM", "term", "SigTerm", a decimal number ("15"),
    /// and real-time signals as "SIGRTMIN", "RTMIN+3", "SIGRTMAX-1".
    /// Returns nil for anything else, including out-of-range numbers.
    public static func number(_ text: String) -> Int32? {
        let trimmed = text.trimmingASCIIWhitespace()
        if let numeric = Int32(trimmed) {
            return (1...realTimeMaximum).contains(numeric) ? numeric : nil
        }
        var upper = trimmed.uppercased()
        if !upper.hasPrefix("SIG") { upper = "SIG" + upper }
        if let entry = table.first(where: { $0.name == upper }) { return entry.number }
        if let alias = aliases[upper] { return alias }
        return realTimeNumber(upper)
    }

    /// "SIGTERM" for 15; real-time signals as "SIGRTMIN+n"; anything else as
    /// "SIG<n>" so a log line never loses the number.
    public static func name(_ number: Int32) -> String {
        if let entry = table.first(where: { $0.number == number }) { return entry.name }
        if number >= realTimeMinimum && number <= realTimeMaximum {
            let offset = number - realTimeMinimum
            return offset == 0 ? "SIGRTMIN" : "SIGRTMIN+\(offset)"
        }
        return "SIG\(number)"
    }

    /// glibc reserves the first kernel real-time signals for itself, so the
    /// usable range is only known at run time.
    private static var realTimeMinimum: Int32 { __libc_current_sigrtmin() }
    private static var realTimeMaximum: Int32 { __libc_current_sigrtmax() }

    private static func realTimeNumber(_ upper: String) -> Int32? {
        for (base, value) in [("SIGRTMIN", realTimeMinimum), ("SIGRTMAX", realTimeMaximum)] {
            guard upper.hasPrefix(base) else { continue }
            let rest = upper.dropFirst(base.count)
            var candidate = value
            if !rest.isEmpty {
                guard let sign = rest.first, sign == "+" || sign == "-",
                      let offset = Int32(rest.dropFirst()), offset >= 0 else { return nil }
                candidate = sign == "+" ? value + offset : value - offset
            }
            return (realTimeMinimum...realTimeMaximum).contains(candidate) ? candidate : nil
        }
        return nil
    }
}

extension String {
    fileprivate func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }),
              let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
