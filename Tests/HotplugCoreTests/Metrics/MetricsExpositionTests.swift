import Testing
@testable import HotplugCore

/// The whole text, as node_exporter and Prometheus read it: every family
/// with HELP and TYPE, every series a binding can have at 0 from the
/// start, label values escaped.
struct MetricsExpositionTests {
    typealias H = SupervisorHarness

    /// A binding whose name no config file could give (names are
    /// `[A-Za-z0-9_.-]+`), to show that the text does not rely on that.
    static let hostile = "we\"ird\\name\n"

    static func scenario() -> String {
        var web = Bindings.binding("web", restart: .onFailure)
        web.exec?.instances = 2
        var h = H([web, Bindings.binding(Self.hostile, kernel: "w*", exec: false), Bindings.binding("idle", kernel: "nomatch*")])
        // Counted by the shell: the events read and an overflow.
        for action in ["add", "add", "add", "remove", "change", "bogus"] { h.supervisor.metrics.countEvent(EventAction(action)) }
        h.supervisor.metrics.countOverflow()
        h.supervisor.metrics.observeMatch(TimeSpan(nanoseconds: 700))
        // The add's match ends 4 µs after its arrival; its two children start 2 and 4 ms after it.
        h.supervisor.metrics.clock = { [clock = h.clock] in clock + TimeSpan(nanoseconds: 4_000) }
        h.send(.deviceAdded(FakeDevices.veth("v0")), eachEventAfter: .milliseconds(2))
        h.supervisor.metrics.clock = { [clock = h.clock] in clock + TimeSpan(nanoseconds: 30_000) }
        h.send(.deviceAdded(FakeDevices.veth("w0", ifindex: 43)))
        let first = h.supervisor.status().first { $0.binding == "web" }!.pid!
        h.send(.childExited(pid: first, .signaled(11)))
        return MetricsExposition.render(h.supervisor.metrics, configuration: h.supervisor.configuration,
                                        rows: h.supervisor.status(),
                                        daemon: .init(version: "0.1.0", source: "udev", startTimeUnix: 1_796_137_299))
    }

    @Test func exactText() {
        #expect(Self.scenario() == Self.expected)
    }

    /// Every sample line is `name{labels} value` with a family declared
    /// above it, one TYPE per family: what the textfile collector checks.
    @Test func everySampleBelongsToADeclaredFamily() {
        var declared: [String: String] = [:]
        for line in Self.scenario().split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                #expect(declared[String(parts[2])] == nil)
                declared[String(parts[2])] = String(parts[3])
            } else if !line.hasPrefix("#") {
                let name = String(line.prefix { $0 != "{" && $0 != " " })
                let family = declared[name] != nil ? name
                    : ["_bucket", "_sum", "_count"].lazy.compactMap { name.hasSuffix($0) ? String(name.dropLast($0.count)) : nil }.first ?? name
                #expect(declared[family] != nil, "\(line)")
                #expect(family.hasPrefix("hotplugd_"))
                if declared[family] == "counter" { #expect(family.hasSuffix("_total")) }
            }
        }
    }

    /// Label values are escaped (the quote, backslash and newline of the
    /// hostile name), and the counters of
    /// `idle`, which never ran, are there at 0.
    static let expected = #"""
        # HELP hotplugd_build_info Always 1; the version of the running hotplugd.
        # TYPE hotplugd_build_info gauge
        hotplugd_build_info{version="0.1.0"} 1
        # HELP hotplugd_start_time_seconds When the daemon started, in seconds since the Unix epoch.
        # TYPE hotplugd_start_time_seconds gauge
        hotplugd_start_time_seconds 1796137299
        # HELP hotplugd_bindings Bindings loaded: active (on at least one device) or waiting (on none).
        # TYPE hotplugd_bindings gauge
        hotplugd_bindings{state="active"} 2
        hotplugd_bindings{state="waiting"} 1
        # HELP hotplugd_devices Devices with at least one binding, each in the first state of failed, backoff, stopping, settling, configuring, running, exited, configured that one of its rows is in.
        # TYPE hotplugd_devices gauge
        hotplugd_devices{state="settling"} 0
        hotplugd_devices{state="configuring"} 0
        hotplugd_devices{state="running"} 0
        hotplugd_devices{state="backoff"} 1
        hotplugd_devices{state="stopping"} 0
        hotplugd_devices{state="exited"} 0
        hotplugd_devices{state="failed"} 0
        hotplugd_devices{state="configured"} 1
        # HELP hotplugd_instances Instances (one per binding, device and worker, the rows of `hotplugd status`) by binding and state.
        # TYPE hotplugd_instances gauge
        hotplugd_instances{binding="idle",state="settling"} 0
        hotplugd_instances{binding="idle",state="configuring"} 0
        hotplugd_instances{binding="idle",state="running"} 0
        hotplugd_instances{binding="idle",state="backoff"} 0
        hotplugd_instances{binding="idle",state="stopping"} 0
        hotplugd_instances{binding="idle",state="exited"} 0
        hotplugd_instances{binding="idle",state="failed"} 0
        hotplugd_instances{binding="idle",state="configured"} 0
        hotplugd_instances{binding="we\"ird\\name\n",state="settling"} 0
        hotplugd_instances{binding="we\"ird\\name\n",state="configuring"} 0
        hotplugd_instances{binding="we\"ird\\name\n",state="running"} 0
        hotplugd_instances{binding="we\"ird\\name\n",state="backoff"} 0
        hotplugd_instances{binding="we\"ird\\name\n",state="stopping"} 0
        hotplugd_instances{binding="we\"ird\\name\n",state="exited"} 0
        hotplugd_instances{binding="we\"ird\\name\n",state="failed"} 0
        hotplugd_instances{binding="we\"ird\\name\n",state="configured"} 1
        hotplugd_instances{binding="web",state="settling"} 0
        hotplugd_instances{binding="web",state="configuring"} 0
        hotplugd_instances{binding="web",state="running"} 1
        hotplugd_instances{binding="web",state="backoff"} 1
        hotplugd_instances{binding="web",state="stopping"} 0
        hotplugd_instances{binding="web",state="exited"} 0
        hotplugd_instances{binding="web",state="failed"} 0
        hotplugd_instances{binding="web",state="configured"} 0
        # HELP hotplugd_restarts_total Children started again after an exit, a restart request or a reload, by binding.
        # TYPE hotplugd_restarts_total counter
        hotplugd_restarts_total{binding="idle"} 0
        hotplugd_restarts_total{binding="web"} 0
        # HELP hotplugd_child_exits_total Children that ended, by binding and reason: stopped (by hotplugd), success (exit 0), failure (another exit status), or the name of the signal that killed it.
        # TYPE hotplugd_child_exits_total counter
        hotplugd_child_exits_total{binding="idle",reason="failure"} 0
        hotplugd_child_exits_total{binding="idle",reason="stopped"} 0
        hotplugd_child_exits_total{binding="idle",reason="success"} 0
        hotplugd_child_exits_total{binding="web",reason="SIGSEGV"} 1
        hotplugd_child_exits_total{binding="web",reason="failure"} 0
        hotplugd_child_exits_total{binding="web",reason="stopped"} 0
        hotplugd_child_exits_total{binding="web",reason="success"} 0
        # HELP hotplugd_events_total Device events read from the udev or kernel monitor, by action and source.
        # TYPE hotplugd_events_total counter
        hotplugd_events_total{action="add",source="udev"} 3
        hotplugd_events_total{action="remove",source="udev"} 1
        hotplugd_events_total{action="change",source="udev"} 1
        hotplugd_events_total{action="move",source="udev"} 0
        hotplugd_events_total{action="bind",source="udev"} 0
        hotplugd_events_total{action="unbind",source="udev"} 0
        hotplugd_events_total{action="online",source="udev"} 0
        hotplugd_events_total{action="offline",source="udev"} 0
        hotplugd_events_total{action="other",source="udev"} 1
        # HELP hotplugd_monitor_overflows_total Times the monitor's receive buffer overflowed and events were lost (each is followed by a re-enumeration).
        # TYPE hotplugd_monitor_overflows_total counter
        hotplugd_monitor_overflows_total 1
        # HELP hotplugd_firewall_degraded 1 while the nftables table inet hotplugd is not known to hold hotplugd's rules (changed by someone else; the repair is waiting or failing), else 0.
        # TYPE hotplugd_firewall_degraded gauge
        hotplugd_firewall_degraded 0
        # HELP hotplugd_firewall_repairs_total Times hotplugd put its nftables table back after someone else changed or removed it.
        # TYPE hotplugd_firewall_repairs_total counter
        hotplugd_firewall_repairs_total 0
        # HELP hotplugd_stage_failures_total Lifecycle stage setups that failed, by stage: link, firewall, sockets, children.
        # TYPE hotplugd_stage_failures_total counter
        hotplugd_stage_failures_total{stage="link"} 0
        hotplugd_stage_failures_total{stage="firewall"} 0
        hotplugd_stage_failures_total{stage="sockets"} 0
        hotplugd_stage_failures_total{stage="children"} 0
        # HELP hotplugd_match_latency_seconds From reading a device event off the monitor to knowing which bindings it matches (index lookup, reading the device's facts, checking the candidates).
        # TYPE hotplugd_match_latency_seconds histogram
        hotplugd_match_latency_seconds_bucket{le="0.000001"} 1
        hotplugd_match_latency_seconds_bucket{le="0.0000025"} 1
        hotplugd_match_latency_seconds_bucket{le="0.000005"} 2
        hotplugd_match_latency_seconds_bucket{le="0.00001"} 2
        hotplugd_match_latency_seconds_bucket{le="0.000025"} 2
        hotplugd_match_latency_seconds_bucket{le="0.00005"} 3
        hotplugd_match_latency_seconds_bucket{le="0.0001"} 3
        hotplugd_match_latency_seconds_bucket{le="0.00025"} 3
        hotplugd_match_latency_seconds_bucket{le="0.0005"} 3
        hotplugd_match_latency_seconds_bucket{le="0.001"} 3
        hotplugd_match_latency_seconds_bucket{le="0.0025"} 3
        hotplugd_match_latency_seconds_bucket{le="0.005"} 3
        hotplugd_match_latency_seconds_bucket{le="0.01"} 3
        hotplugd_match_latency_seconds_bucket{le="0.025"} 3
        hotplugd_match_latency_seconds_bucket{le="0.05"} 3
        hotplugd_match_latency_seconds_bucket{le="0.1"} 3
        hotplugd_match_latency_seconds_bucket{le="+Inf"} 3
        hotplugd_match_latency_seconds_sum 0.0000347
        hotplugd_match_latency_seconds_count 3
        # HELP hotplugd_spawn_latency_seconds From an add event's arrival (after the binding's settle, if any) to its child being started, for each child the add starts.
        # TYPE hotplugd_spawn_latency_seconds histogram
        hotplugd_spawn_latency_seconds_bucket{le="0.00025"} 0
        hotplugd_spawn_latency_seconds_bucket{le="0.0005"} 0
        hotplugd_spawn_latency_seconds_bucket{le="0.001"} 0
        hotplugd_spawn_latency_seconds_bucket{le="0.0025"} 1
        hotplugd_spawn_latency_seconds_bucket{le="0.005"} 2
        hotplugd_spawn_latency_seconds_bucket{le="0.01"} 2
        hotplugd_spawn_latency_seconds_bucket{le="0.025"} 2
        hotplugd_spawn_latency_seconds_bucket{le="0.05"} 2
        hotplugd_spawn_latency_seconds_bucket{le="0.1"} 2
        hotplugd_spawn_latency_seconds_bucket{le="0.25"} 2
        hotplugd_spawn_latency_seconds_bucket{le="0.5"} 2
        hotplugd_spawn_latency_seconds_bucket{le="1"} 2
        hotplugd_spawn_latency_seconds_bucket{le="2.5"} 2
        hotplugd_spawn_latency_seconds_bucket{le="5"} 2
        hotplugd_spawn_latency_seconds_bucket{le="10"} 2
        hotplugd_spawn_latency_seconds_bucket{le="30"} 2
        hotplugd_spawn_latency_seconds_bucket{le="+Inf"} 2
        hotplugd_spawn_latency_seconds_sum 0.006
        hotplugd_spawn_latency_seconds_count 2

        """#
}
