import Foundation

/// The table `hotplugd status` prints: what a person needs at a glance.
enum StatusTable {
    static func render(_ document: [String: Any], now: Date) -> String {
        var lines: [String] = []
        if let daemon = document["daemon"] as? [String: Any] {
            var header = "hotplugd \(daemon["version"] as? String ?? "?"), pid \(daemon["pid"] as? Int ?? 0)"
            if let since = (daemon["since"] as? String).flatMap(parseISO8601) {
                header += ", up \(duration(now.timeIntervalSince(since)))"
            }
            header += ", \(daemon["source"] as? String ?? "?") source, config \(daemon["config"] as? String ?? "?")"
            lines.append(header)
            lines.append("")
        }
        var rows: [[String]] = [["BINDING", "DEVICE", "INTERFACE", "STATE", "PID", "SINCE", "RESTARTS", "LAST EXIT / ERROR"]]
        for binding in document["bindings"] as? [[String: Any]] ?? [] {
            let name = binding["name"] as? String ?? "?"
            let devices = binding["devices"] as? [[String: Any]] ?? []
            if devices.isEmpty {
                rows.append([name, "-", "-", "waiting", "-", "-", "-", "-"])
            }
            for device in devices {
                let since = (device["since_unix"] as? Int).map { duration(now.timeIntervalSince1970 - Double($0)) } ?? "-"
                let lastExit = (device["last_exit"] as? [String: Any])?["text"] as? String
                let error = device["error"] as? String
                rows.append([
                    name,
                    printable(device["sysname"] as? String ?? "?"),
                    printable(device["interface"] as? String ?? "-"),
                    device["state"] as? String ?? "?",
                    (device["pid"] as? Int).map(String.init) ?? "-",
                    since,
                    String(device["restarts"] as? Int ?? 0),
                    printable(error ?? lastExit ?? "-"),
                ])
            }
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }
            lines.append(cells.joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }

    /// `4s`, `3m12s`, `2h5m`, `3d4h`.
    static func duration(_ seconds: TimeInterval) -> String {
        let total = max(0, Int(seconds))
        switch total {
        case ..<60: return "\(total)s"
        case ..<3600: return "\(total / 60)m\(total % 60)s"
        case ..<86400: return "\(total / 3600)h\(total % 3600 / 60)m"
        default: return "\(total / 86400)d\(total % 86400 / 3600)h"
        }
    }

    static func parseISO8601(_ text: String) -> Date? {
        ISO8601DateFormatter().date(from: text)
    }
}
