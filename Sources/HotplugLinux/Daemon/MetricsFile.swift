import HotplugCore
import Logging

/// Where `run --metrics-textfile` puts the Prometheus text: replaced whole,
/// atomically (`MetricsTextfile`); a test's fake keeps the writes.
protocol MetricsTextfileWriting: AnyObject {
    var path: String { get }
    func write(_ text: String) throws(MetricsTextfileError)
}

extension MetricsTextfile: MetricsTextfileWriting {}

/// The metrics textfile as a component of the daemon: rewritten after a
/// wake-up that changed something, at most once a second
/// (`TextfileSchedule`), and never by a timer while nothing changes, so an
/// idle daemon stays asleep. Owns its rate-limit timer and its token.
final class MetricsFile<Writer: MetricsTextfileWriting> {
    static var token: UInt64 { 7 }

    let textfile: Writer
    /// Armed only while a change waits for the end of the rate limit.
    let timer: TimerFD
    let logger: Logger
    private(set) var schedule = TextfileSchedule()
    /// The last write failed: the next failure is not logged again.
    private var failing = false

    init(textfile: Writer, logger: Logger) throws(SystemCallError) {
        self.textfile = textfile
        self.logger = logger
        timer = try TimerFD()
    }

    /// Once, before the loop: the rate limit's timer joins the loop.
    func watch(in epoll: Epoll) throws(SystemCallError) {
        try epoll.add(timer, token: Self.token, events: .readable)
    }

    func timerFired() {
        _ = try? timer.acknowledge()
    }

    /// After every wake-up of the loop (and once when ready): writes the
    /// file if something changed and the last write is a second old, or
    /// arms the timer for when it is. Nothing changed costs one compare.
    func exportIfChanged(generation: UInt64, now: () -> Instant, render: () -> String) {
        guard schedule.writtenGeneration != generation else { return }
        let now = now()
        switch schedule.decide(generation: generation, now: now) {
        case .nothing:
            break
        case .writeNow:
            write(generation: generation, now: now, render: render)
        case .wakeAt(let deadline):
            do {
                try timer.arm(deadlineNanoseconds: deadline.nanoseconds)
            } catch {
                logger.error("cannot arm the metrics timer: \(error); writing the metrics now")
                write(generation: generation, now: now, render: render)
            }
        }
    }

    /// On the way out: the last state (every child stopped) is what the
    /// file keeps showing, whatever the rate limit says.
    func finish(generation: UInt64, now: () -> Instant, render: () -> String) {
        guard schedule.writtenGeneration != generation else { return }
        write(generation: generation, now: now(), render: render)
    }

    private func write(generation: UInt64, now: Instant, render: () -> String) {
        schedule.attempted(generation: generation, at: now)
        do {
            try textfile.write(render())
            if failing {
                failing = false
                logger.notice("writing the metrics to \(textfile.path) works again")
            }
        } catch {
            // Logged once until it works again: it is retried on every change.
            if !failing { logger.error("cannot write the metrics: \(error); trying again on the next change") }
            failing = true
        }
    }
}
