/// One binding's lifecycle on one device: the stages set up so far, and
/// once the children stage is reached, one worker per `instances`.
struct Attachment: Sendable {
    var id: AttachmentID
    /// Where the lifecycle is; `.supervising` once the children stage is
    /// set up, and then each worker has a state of its own.
    var state: AttachmentPhase
    var since: Instant
    /// The stages set up, in setup order; teardown pops from the end. The
    /// children stage is in it while any worker's child is alive.
    var setUp: [Stage] = []
    /// A teardown under way, and what follows it.
    var teardown: Teardown?
    /// One per `instances`, kept across restarts (their counts and last
    /// exits stay); empty until the children stage is first set up.
    var workers: [Worker] = []
    /// The worker a rolling `hotplugd restart` is at.
    var rollingRestart: Int?
    /// Where the spawn latency of the workers' first children starts (see `Metrics`).
    var spawnLatencyFrom: Instant?

    /// Tear down every set-up stage from `downTo` up, then `then`.
    struct Teardown: Sendable, Equatable {
        var downTo: Stage
        var then: AfterTeardown
    }

    enum AfterTeardown: Sendable, Equatable {
        /// Drop the attachment (remove, unbind, shutdown).
        case forget
        /// Set the torn-down stages up again (restart, reload).
        case setUpAgain
    }

    var deadline: Instant? {
        if case .settling(let until) = state { return until }
        var earliest: Instant?
        for worker in workers {
            if let deadline = worker.deadline, earliest.map({ deadline < $0 }) ?? true { earliest = deadline }
        }
        return earliest
    }

    /// The state each `status` row shows: the worker's own while the
    /// children stage is being set up or runs, else the attachment's phase.
    func rowState(_ index: Int) -> RowState {
        switch state {
        case .supervising, .settingUp(.children), .failed(.children, _):
            return index < workers.count ? .worker(workers[index].state) : .phase(state)
        default:
            return .phase(state)
        }
    }

    /// The stage a row's state is being set up, torn down, run, or failed at.
    func stage(_ row: RowState) -> Stage? {
        switch row {
        case .phase(.settling): nil
        case .phase(.waitingForLink), .worker(.waitingForLink): .link
        case .phase(.settingUp(let stage)), .phase(.failed(let stage, _)): stage
        case .phase(.supervising), .worker: .children
        case .phase(.configured): setUp.last
        }
    }

    var aliveWorkers: [Int] { workers.indices.filter { workers[$0].state.pid != nil } }
    var spawnsPending: Bool { workers.contains { $0.state == .starting } }

    func worker(runningPID pid: ProcessID) -> Int? { workers.firstIndex { $0.state.childPID == pid } }

    mutating func enter(_ newState: AttachmentPhase, at now: Instant) {
        if state.name != newState.name { since = now }
        state = newState
    }
}

/// One child slot of an attachment: `{instance}` = its index.
struct Worker: Sendable {
    var state: WorkerState
    var since: Instant
    var restarts = 0
    var consecutiveFailures = 0
    var lastExit: ChildExit?
    /// The last exit was one hotplugd asked for (a stop for a restart, a
    /// reload, a remove), not the child's own doing.
    var lastExitWasRequested = false
    /// The pid of the worker's last child, once it has exited.
    var lastPID: ProcessID?
    var startedAt: Instant?
    /// Start it again once its child is gone (a rolling restart).
    var respawnAfterStop = false
    /// The process group of the worker's last child, when processes of it
    /// outlived the child: teardown stops them too (`.stoppingLeftovers`).
    var leftoverGroup: ProcessID?
    /// How the worker's child (and what it leaves) is stopped: the binding's
    /// when the child was started, kept so that a reload that changes or
    /// drops the binding stops it the way it was started to be stopped.
    var stop = StopSequence.standard
    /// The spawn under way follows a backoff: if it cannot start (the
    /// program is being reinstalled, a port is taken for a moment), the
    /// worker backs off again rather than failing for good.
    var isRespawn = false

    /// Every state change goes through here, so `since` is always when the
    /// state `status` shows began.
    mutating func enter(_ newState: WorkerState, at now: Instant) {
        if state.name != newState.name { since = now }
        switch newState {
        case .starting, .waitingForLink: break
        default: isRespawn = false
        }
        state = newState
    }

    var deadline: Instant? {
        switch state {
        case .backoff(let until): until
        case .stopping(_, let killAt, false): killAt
        case .stoppingLeftovers(_, let killAt, let probeAt): min(probeAt, killAt)
        default: nil
        }
    }

    func isStoppingLeftovers(group: ProcessID) -> Bool {
        if case .stoppingLeftovers(group, _, _) = state { return true }
        return false
    }

    var error: String? {
        if case .failed(let reason) = state { return reason }
        return nil
    }
}

/// What one `status` row shows: a worker's state, or the attachment's phase
/// for a row without a worker (a binding without `[exec]`, a stage before
/// the children).
enum RowState: Sendable, Equatable {
    case phase(AttachmentPhase)
    case worker(WorkerState)

    var name: String {
        switch self {
        case .phase(let phase): phase.name
        case .worker(let state): state.name
        }
    }

    var pid: ProcessID? {
        if case .worker(let state) = self { return state.pid }
        return nil
    }

    /// In `backoff`: when the child is started again.
    var nextTry: Instant? {
        if case .worker(.backoff(let until)) = self { return until }
        return nil
    }

    var error: String? {
        switch self {
        case .phase(.failed(_, let reason)), .worker(.failed(let reason)): reason
        default: nil
        }
    }
}
