import HotplugCore

/// `hotplugd metrics` over the control socket, and `run --metrics-textfile`
/// (`MetricsFile`).
extension DaemonLoop {
    /// The Prometheus text, from the counters and the status rows now.
    func metricsText() -> String {
        MetricsExposition.render(
            supervisor.metrics, configuration: supervisor.configuration, rows: supervisor.status(),
            daemon: MetricsExposition.Daemon(version: Self.version, source: options.source.rawValue,
                                             startTimeUnix: Int64(startedAt.seconds)))
    }

    /// After every wake-up of the loop (and once when ready).
    func exportMetricsIfChanged() {
        metricsFile?.exportIfChanged(generation: supervisor.metrics.generation, now: Self.metricsClock, render: metricsText)
    }

    /// On the way out, whatever the rate limit says.
    func finishMetricsExport() {
        metricsFile?.finish(generation: supervisor.metrics.generation, now: Self.metricsClock, render: metricsText)
    }
}
