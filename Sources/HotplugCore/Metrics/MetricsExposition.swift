/// The text `hotplugd metrics` prints and `run --metrics-textfile` writes:
/// the counters of `Metrics`, and gauges counted from the supervisor's
/// status rows at the time of rendering. Every series a binding can have
/// is there from the start, at 0, so that `rate()` and `increase()` see
/// the first change. The README's "Metrics" lists the series.
public enum MetricsExposition {
    /// What the daemon says about itself.
    public struct Daemon: Sendable {
        public var version: String
        /// The event source, `udev` or `kernel`: the events' `source` label.
        public var source: String
        public var startTimeUnix: Int64

        public init(version: String, source: String, startTimeUnix: Int64) {
            self.version = version
            self.source = source
            self.startTimeUnix = startTimeUnix
        }
    }

    /// The states `status` shows, in the order the README lists them.
    public static let rowStates = ["settling", "configuring", "running", "backoff", "stopping", "exited", "failed", "configured"]

    /// A device counts once, in the first of these states that any of its
    /// rows is in: what needs attention first, then what is under way.
    public static let deviceStatePriority = ["failed", "backoff", "stopping", "settling", "configuring", "running", "exited", "configured"]

    public static let bindingStates = ["active", "waiting"]

    public static func render(_ metrics: Metrics, configuration: Configuration, rows: [StatusRow],
                              daemon: Daemon) -> String {
        var out = PrometheusText()
        out.family("hotplugd_build_info", .gauge, help: "Always 1; the version of the running hotplugd.")
        out.sample("hotplugd_build_info", [("version", daemon.version)], "1")
        out.family("hotplugd_start_time_seconds", .gauge, help: "When the daemon started, in seconds since the Unix epoch.")
        out.sample("hotplugd_start_time_seconds", [], String(daemon.startTimeUnix))

        // Bindings loaded now, and those whose children are still being
        // stopped after a reload removed them.
        var bindingNames = configuration.bindings.map(\.name)
        for row in rows where !bindingNames.contains(row.binding) { bindingNames.append(row.binding) }
        bindingNames.sort()
        var rowsByBinding: [String: [StatusRow]] = [:]
        for row in rows { rowsByBinding[row.binding, default: []].append(row) }

        out.family("hotplugd_bindings", .gauge, help: "Bindings loaded: active (on at least one device) or waiting (on none).")
        let active = configuration.bindings.filter { rowsByBinding[$0.name] != nil }.count
        out.sample("hotplugd_bindings", [("state", "active")], UInt64(active))
        out.sample("hotplugd_bindings", [("state", "waiting")], UInt64(configuration.bindings.count - active))

        out.family("hotplugd_devices", .gauge,
                   help: "Devices with at least one binding, each in the first state of failed, backoff, stopping, settling, configuring, running, exited, configured that one of its rows is in.")
        var deviceStates: [DeviceID: Int] = [:]
        for row in rows {
            let rank = deviceStatePriority.firstIndex(of: row.state) ?? deviceStatePriority.count - 1
            deviceStates[row.device] = min(deviceStates[row.device] ?? rank, rank)
        }
        var devicesByState = Array(repeating: UInt64(0), count: deviceStatePriority.count)
        for rank in deviceStates.values { devicesByState[rank] += 1 }
        for state in rowStates {
            out.sample("hotplugd_devices", [("state", state)], devicesByState[deviceStatePriority.firstIndex(of: state)!])
        }

        out.family("hotplugd_instances", .gauge,
                   help: "Instances (one per binding, device and worker, the rows of `hotplugd status`) by binding and state.")
        for binding in bindingNames {
            let bindingRows = rowsByBinding[binding] ?? []
            for state in rowStates {
                out.sample("hotplugd_instances", [("binding", binding), ("state", state)],
                           UInt64(bindingRows.count { $0.state == state }))
            }
        }

        out.family("hotplugd_restarts_total", .counter,
                   help: "Children started again after an exit, a restart request or a reload, by binding.")
        let restartNames = Set(configuration.bindings.filter { $0.exec != nil }.map(\.name)).union(metrics.restarts.keys)
        for binding in restartNames.sorted() {
            out.sample("hotplugd_restarts_total", [("binding", binding)], metrics.restarts[binding] ?? 0)
        }

        out.family("hotplugd_child_exits_total", .counter,
                   help: "Children that ended, by binding and reason: stopped (by hotplugd), success (exit 0), failure (another exit status), or the name of the signal that killed it.")
        var exits = metrics.childExits
        for binding in configuration.bindings where binding.exec != nil {
            for reason in ExitReason.always { exits[ChildExitKey(binding: binding.name, reason: reason), default: 0] += 0 }
        }
        for (key, count) in exits.sorted(by: { ($0.key.binding, $0.key.reason.label) < ($1.key.binding, $1.key.reason.label) }) {
            out.sample("hotplugd_child_exits_total", [("binding", key.binding), ("reason", key.reason.label)], count)
        }

        out.family("hotplugd_events_total", .counter, help: "Device events read from the udev or kernel monitor, by action and source.")
        for action in EventAction.allCases {
            out.sample("hotplugd_events_total", [("action", action.label), ("source", daemon.source)], metrics.events[action.rawValue])
        }

        out.family("hotplugd_monitor_overflows_total", .counter,
                   help: "Times the monitor's receive buffer overflowed and events were lost (each is followed by a re-enumeration).")
        out.sample("hotplugd_monitor_overflows_total", [], metrics.monitorOverflows)

        out.family("hotplugd_firewall_degraded", .gauge,
                   help: "1 while the nftables table inet hotplugd is not known to hold hotplugd's rules (changed by someone else; the repair is waiting or failing), else 0.")
        out.sample("hotplugd_firewall_degraded", [], metrics.firewallDegraded ? "1" : "0")
        out.family("hotplugd_firewall_repairs_total", .counter,
                   help: "Times hotplugd put its nftables table back after someone else changed or removed it.")
        out.sample("hotplugd_firewall_repairs_total", [], metrics.firewallRepairs)

        out.family("hotplugd_stage_failures_total", .counter,
                   help: "Lifecycle stage setups that failed, by stage: \(Stage.allCases.map(\.description).joined(separator: ", ")).")
        for (index, stage) in Stage.allCases.enumerated() {
            out.sample("hotplugd_stage_failures_total", [("stage", stage.description)], metrics.stageFailures[index])
        }

        out.family("hotplugd_match_latency_seconds", .histogram,
                   help: "From reading a device event off the monitor to knowing which bindings it matches (index lookup, reading the device's facts, checking the candidates).")
        out.histogram("hotplugd_match_latency_seconds", [], metrics.matchLatency)
        out.family("hotplugd_spawn_latency_seconds", .histogram,
                   help: "From an add event's arrival (after the binding's settle, if any) to its child being started, for each child the add starts.")
        out.histogram("hotplugd_spawn_latency_seconds", [], metrics.spawnLatency)
        return out.text
    }
}
