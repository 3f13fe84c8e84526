import HotplugCore

/// `hotplugd metrics` over the control socket, and `run --metrics-textfile`:
/// the textfile is rewritten after a wake-up that changed something, at
/// most once a second (`TextfileSchedule`), and never by a timer while
/// nothing changes, so an idle daemon stays asleep.
final class MetricsExport {
    let textfile: MetricsTextfile
    /// Armed only while a change waits for the end of the rate limit.
    let timer: TimerFD
    var schedule = TextfileSchedule()
    /// The last write failed: the next failure is not logged again.
    var failing = false

    init(path: String) throws(DaemonError) {
        do {
            textfile = try MetricsTextfile(path: path)
            timer = try TimerFD()
        } catch {
            throw DaemonError("--metrics-textfile: \(error)")
        }
    }
}

extension Daemon {
    /// The Prometheus text, from the counters and the status rows now.
    func metricsText() -> String {
        MetricsExposition.render(
            supervisor.metrics, configuration: supervisor.configuration, instances: supervisor.status(),
            daemon: MetricsExposition.Daemon(version: Self.version, source: options.source.rawValue,
                                             startTimeUnix: Int64(startedAt.seconds)))
    }

    /// The match latency ends inside the core, which reads this clock there.
    static var metricsClock: @Sendable () -> Instant {
        { Instant(nanoseconds: MonotonicClock.now()) }
    }

    /// Once, before the loop: the rate limit's timer joins the loop.
    func watchMetricsTimer() throws(SystemCallError) {
        guard let metricsExport else { return }
        try epoll.add(metricsExport.timer, token: Token.metrics, events: .readable)
    }

    func metricsTimerFired() {
        _ = try? metricsExport?.timer.acknowledge()
    }

    /// After every wake-up of the loop (and once when ready): writes the
    /// file if something changed and the last write is a second old, or
    /// arms the timer for when it is. Nothing changed costs one compare.
    func exportMetricsIfChanged() {
        guard let export = metricsExport, export.schedule.writtenGeneration != supervisor.metrics.generation else { return }
        let now = Instant(nanoseconds: MonotonicClock.now())
        switch export.schedule.decide(generation: supervisor.metrics.generation, now: now) {
        case .nothing:
            break
        case .writeNow:
            writeMetrics(export, now: now)
        case .wakeAt(let deadline):
            do {
                try export.timer.arm(deadlineNanoseconds: deadline.nanoseconds)
            } catch {
                logger.error("cannot arm the metrics timer: \(error); writing the metrics now")
                writeMetrics(export, now: now)
            }
        }
    }

    /// On the way out: the last state (every child stopped) is what the
    /// file keeps showing, whatever the rate limit says.
    func finishMetricsExport() {
        guard let export = metricsExport, export.schedule.writtenGeneration != supervisor.metrics.generation else { return }
        writeMetrics(export, now: Instant(nanoseconds: MonotonicClock.now()))
    }

    private func writeMetrics(_ export: MetricsExport, now: Instant) {
        export.schedule.attempted(generation: supervisor.metrics.generation, at: now)
        do {
            try export.textfile.write(metricsText())
            if export.failing {
                export.failing = false
                logger.notice("writing the metrics to \(export.textfile.path) works again")
            }
        } catch {
            // Logged once until it works again: it is retried on every change.
            if !export.failing { logger.error("cannot write the metrics: \(error); trying again on the next change") }
            export.failing = true
        }
    }
}
