/// The supervisor's side of the metrics: the hooks its lifecycle code calls.
extension Supervisor {
    /// Where a new instance's spawn latency starts: the arrival of the add
    /// that began it, after its settle window; nil for an instance begun by
    /// anything else (coldplug, a change, a reload), which is not timed.
    func spawnLatencyStart(settle: TimeSpan) -> Instant? {
        metrics.addArrival.map { $0 + settle }
    }

    /// A worker's child started: the first start of each worker of an
    /// instance an add began is one spawn latency. Called before the
    /// worker's `startedAt` is set.
    mutating func childStartedForMetrics(_ id: InstanceID, worker index: Int) {
        guard let instance = instances[id], let from = instance.spawnLatencyFrom,
              instance.workers.indices.contains(index) else { return }
        let worker = instance.workers[index]
        guard worker.startedAt == nil, worker.restarts == 0 else { return }
        metrics.observeSpawn(now.span(since: from))
    }

    /// The add's spawns are all answered, or a stage before the children
    /// failed: whatever starts later (a retry) is not the add's latency.
    mutating func spawnLatencyEnded(_ id: InstanceID) {
        guard instances[id]?.spawnLatencyFrom != nil, instances[id]?.spawnsPending != true else { return }
        instances[id]?.spawnLatencyFrom = nil
    }

    mutating func countExit(_ id: InstanceID, _ worker: Worker, _ exit: ChildExit) {
        let stopping = if case .stopping = worker.state { true } else { false }
        metrics.countExit(binding: id.binding, ExitReason(exit, whileStopping: stopping))
    }
}
