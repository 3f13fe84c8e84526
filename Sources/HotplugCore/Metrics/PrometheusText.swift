/// Prometheus' text exposition format (version 0.0.4), which node_exporter's
/// textfile collector and every scraper read: per metric family a `# HELP`
/// and a `# TYPE` line, then one sample per line, `name{label="value"} number`.
public struct PrometheusText: Sendable {
    public enum Kind: String, Sendable { case counter, gauge, histogram }

    public private(set) var text = ""

    public init() {}

    /// Opens a family: its samples follow, every one under this name (or,
    /// for a histogram, its `_bucket`, `_sum` and `_count`).
    public mutating func family(_ name: String, _ kind: Kind, help: String) {
        text += "# HELP \(name) \(Self.escapedHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
    }

    public mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{"
            for (index, label) in labels.enumerated() {
                if index > 0 { text += "," }
                text += label.0 + "=\"" + Self.escapedLabelValue(label.1) + "\""
            }
            text += "}"
        }
        text += " " + value + "\n"
    }

    public mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: UInt64) {
        sample(name, labels, String(value))
    }

    /// The `_bucket`, `_sum` and `_count` samples of one histogram.
    public mutating func histogram(_ name: String, _ labels: [(String, String)] = [], _ histogram: Histogram) {
        for bucket in histogram.cumulativeBuckets {
            sample(name + "_bucket", labels + [("le", bucket.bound.map(Self.seconds) ?? "+Inf")], bucket.count)
        }
        sample(name + "_sum", labels, Self.seconds(histogram.sumNanoseconds))
        sample(name + "_count", labels, histogram.count)
    }

    /// A label value may hold anything (device names and properties come
    /// from whoever made the device); the format escapes exactly three
    /// characters: backslash, double quote and line feed.
    public static func escapedLabelValue(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x5c || $0 == 0x22 || $0 == 0x0a }) else { return value }
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// HELP text escapes backslash and line feed (a quote stays as it is).
    public static func escapedHelp(_ help: String) -> String {
        var escaped = ""
        for scalar in help.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// Nanoseconds as decimal seconds, exactly and without an exponent:
    /// 2500000 is `0.0025`, 3000000000 is `3`.
    public static func seconds(_ nanoseconds: UInt64) -> String {
        let whole = nanoseconds / 1_000_000_000
        let fraction = nanoseconds % 1_000_000_000
        guard fraction != 0 else { return String(whole) }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 9 - digits.count) + digits
        while digits.last == "0" { digits.removeLast() }
        return "\(whole).\(digits)"
    }
}
