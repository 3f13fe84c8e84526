import HotplugCore

/// The table `hotplugd status` prints: what a person needs at a glance.
enum StatusTable {
    static func render(_ document: JSONValue, nowUnix: Int64) -> String {
        var lines: [String] = []
        if let daemon = document["daemon"] {
            var header = "hotplugd \(daemon["version"]?.stringValue ?? "?"), pid \(daemon["pid"]?.intValue ?? 0)"
            if let since = daemon["since_unix"]?.intValue {
                header += ", up \(duration(nowUnix - since))"
            }
            if let reexec = daemon["last_reexec_unix"]?.intValue {
                header += ", re-executed \(duration(nowUnix - reexec)) ago"
            }
            header += ", \(daemon["source"]?.stringValue ?? "?") source, config \(daemon["config"]?.stringValue ?? "?")"
            lines.append(header)
            if let firewall = daemon["firewall"], let line = firewallLine(firewall, nowUnix: nowUnix) { lines.append(line) }
            if let count = daemon["unrecorded_children"]?.intValue, count > 0 {
                lines.append("recovery: \(count) running child(ren) have no crash-recovery record (\(printable(daemon["record_error"]?.stringValue ?? "?"))); a crash would leave them running")
            }
            lines.append("")
        }
        var rows: [[String]] = [["BINDING", "DEVICE", "INTERFACE", "STATE", "PID", "SINCE", "RESTARTS", "STAGE", "LAST EXIT / ERROR"]]
        for binding in document["bindings"]?.arrayValue ?? [] {
            let name = binding["name"]?.stringValue ?? "?"
            let devices = binding["devices"]?.arrayValue ?? []
            if devices.isEmpty {
                rows.append([name, "-", "-", "waiting", "-", "-", "-", "-", "-"])
            }
            for device in devices {
                let since = device["since_unix"]?.intValue.map { duration(nowUnix - $0) } ?? "-"
                var lastExit = device["last_exit"]?["text"]?.stringValue
                if let next = device["next_try_unix"]?.intValue {
                    lastExit = (lastExit.map { $0 + "; " } ?? "") + "next try in \(duration(next - nowUnix))"
                }
                let error = device["error"]?.stringValue
                rows.append([
                    name,
                    printable(device["sysname"]?.stringValue ?? "?"),
                    printable(device["interface"]?.stringValue ?? "-"),
                    device["state"]?.stringValue ?? "?",
                    device["pid"]?.intValue.map { String($0) } ?? "-",
                    since,
                    String(device["restarts"]?.intValue ?? 0),
                    device["stage"]?.stringValue ?? "-",
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

    /// Said only when there is something to say: the table is not in place
    /// (a person must know a device may stand unfiltered), or it was put back.
    static func firewallLine(_ firewall: JSONValue, nowUnix: Int64) -> String? {
        // `null`: no binding has [firewall], so there is no table to speak of.
        if case .null = firewall { return nil }
        let table = firewall["table"]?.stringValue ?? "inet hotplugd"
        let repairs = firewall["repairs"]?.intValue ?? 0
        let state = firewall["state"]?.stringValue ?? "?"
        guard state != "intact" else { return repairs > 0 ? "firewall: table \(table) in place, put back \(repairs) time(s)" : nil }
        var line = "firewall: DEGRADED: table \(table) \(state)"
        if let since = firewall["degraded_since_unix"]?.intValue { line += " for \(duration(nowUnix - since))" }
        if let who = firewall["changed_by"]?.stringValue { line += ", changed by \(printable(who))" }
        if let error = firewall["error"]?.stringValue { line += ", last try: \(printable(error))" }
        if let next = firewall["next_try_unix"]?.intValue { line += "; next try in \(duration(next - nowUnix))" }
        return line
    }

    /// `4s`, `3m12s`, `2h5m`, `3d4h`.
    static func duration(_ seconds: Int64) -> String {
        let total = max(0, seconds)
        switch total {
        case ..<60: return "\(total)s"
        case ..<3600: return "\(total / 60)m\(total % 60)s"
        case ..<86400: return "\(total / 3600)h\(total % 3600 / 60)m"
        default: return "\(total / 86400)d\(total % 86400 / 3600)h"
        }
    }
}
