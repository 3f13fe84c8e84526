/// The supervisor's side of the metrics: the hooks its lifecycle code calls.
extension Supervisor {
    /// Where a new attachment's spawn latency starts: the arrival of the add
    /// that began it, after its settle window; nil for an attachment begun by
    /// anything else (coldplug, a change, a reload), which is not timed.
    func spawnLatencyStart(settle: TimeSpan) -> Instant? {
        metrics.addArrival.map { $0 + settle }
    }

    /// A worker's child started: the first start of each worker of an
    /// attachment an add began is one spawn latency. Called before the
    /// worker's `startedAt` is set.
    mutating func childStartedForMetrics(_ id: AttachmentID, worker index: Int) {
        guard let attachment = attachments[id], let from = attachment.spawnLatencyFrom,
              attachment.workers.indices.contains(index) else { return }
        let worker = attachment.workers[index]
        guard worker.startedAt == nil, worker.restarts == 0 else { return }
        metrics.observeSpawn(now.span(since: from))
    }

    /// The add's spawns are all answered, or a stage before the children
    /// failed: whatever starts later (a retry) is not the add's latency.
    mutating func spawnLatencyEnded(_ id: AttachmentID) {
        guard attachments[id]?.spawnLatencyFrom != nil, attachments[id]?.spawnsPending != true else { return }
        attachments[id]?.spawnLatencyFrom = nil
    }

    mutating func countExit(_ id: AttachmentID, _ worker: Worker, _ exit: ChildExit) {
        let stopping = if case .stopping = worker.state { true } else { false }
        metrics.countExit(binding: id.binding, ExitReason(exit, whileStopping: stopping))
    }
}
