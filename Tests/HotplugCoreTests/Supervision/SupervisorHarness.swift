@testable import HotplugCore

/// Drives a `Supervisor` with a fake clock through the daemon's own
/// `EffectRunner`, and plays the shell's part as the daemon does: links
/// configure as asked, spawns get increasing pids, and firewall setups are
/// answered at the end of the loop turn (`Daemon.flushFirewall` writes a
/// turn's rules in one transaction), so every event of the same turn comes
/// between a firewall setup and its answer.
struct SupervisorHarness {
    var supervisor: Supervisor
    var clock = Instant(nanoseconds: 1_000_000_000)
    var nextPID: Int32 = 1000
    var log: [Effect] = []
    /// When set, the link stage fails with this reason.
    var linkFailure: String?
    /// When set, the firewall stage fails with this reason.
    var firewallFailure: String?
    /// When set, the sockets stage fails with this reason.
    var socketFailure: String?
    /// The sockets stage's failure is on a port hotplugd itself holds.
    var socketFailureAwaitsOwnSockets = false
    /// When set, the children stage fails with this reason.
    var spawnFailure: String?
    /// When set, only these workers' spawns fail (with `spawnFailure`).
    var spawnFailingWorkers: Set<Int>?
    var takenNames: Set<String> = []
    /// Firewall setups of this turn, not yet answered.
    var pendingFirewall: [AttachmentID] = []
    /// The attachments whose rules the fake firewall holds: set up adds,
    /// torn down removes, as the shell's `FirewallStage` keeps them.
    var firewallRules: Set<AttachmentID> = []
    /// The attachments whose `[listen]` sockets the fake shell holds open.
    var openSockets: Set<AttachmentID> = []

    init(_ bindings: [Binding]) {
        supervisor = Supervisor(configuration: Configuration(bindings: bindings))
    }

    /// One loop turn with one event.
    @discardableResult
    mutating func send(_ event: Supervisor.Event) -> [Effect] {
        turn([event])
    }

    /// One loop turn: the events one after another (the daemon reads
    /// several device events, exits or requests in one wake-up), then the
    /// turn's firewall setups answered, and what those answers set up.
    @discardableResult
    mutating func turn(_ events: [Supervisor.Event]) -> [Effect] {
        var produced: [Effect] = []
        for event in events { produced += run(event) }
        while !pendingFirewall.isEmpty {
            let batch = pendingFirewall
            pendingFirewall = []
            for id in batch { produced += run(answerFirewall(id)) }
        }
        log += produced
        return produced
    }

    private mutating func run(_ event: Supervisor.Event) -> [Effect] {
        var produced: [Effect] = []
        var runner = EffectRunner(event)
        let clock = self.clock
        while let effect = runner.next(&supervisor, now: { clock }) {
            produced.append(effect)
            runner.answer(perform(effect))
        }
        return produced
    }

    private mutating func answerFirewall(_ id: AttachmentID) -> Supervisor.Event {
        if let firewallFailure { return .stageSetUp(id, .failure(StageFailure(.firewall, firewallFailure))) }
        firewallRules.insert(id)
        return .stageSetUp(id, .success(.firewall))
    }

    /// The fake shell: what the daemon's stage executors would answer now;
    /// nil for what it answers later or not at all.
    mutating func perform(_ effect: Effect) -> Supervisor.Event? {
        if case .tearDown(let id, let stage) = effect {
            switch stage {
            case .firewall: firewallRules.remove(id)
            case .sockets: openSockets.remove(id)
            case .link, .children: break
            }
            return nil
        }
        guard case .setUp(let id, let setup) = effect else { return nil }
        switch setup {
        case .link(let request):
            if let linkFailure { return .stageSetUp(id, .failure(StageFailure(.link, linkFailure))) }
            let name = request.settings.name.flatMap {
                LinkPlanning.targetName($0, current: request.currentName, taken: takenNames)
            } ?? request.currentName
            takenNames.insert(name)
            return .stageSetUp(id, .success(.link(interface: name)))
        case .firewall:
            pendingFirewall.append(id)
            return nil
        case .sockets:
            if let socketFailure {
                var failure = StageFailure(.sockets, socketFailure)
                failure.awaitsOwnSockets = socketFailureAwaitsOwnSockets
                return .stageSetUp(id, .failure(failure))
            }
            openSockets.insert(id)
            return .stageSetUp(id, .success(.sockets))
        case .children(let worker, _):
            if let spawnFailure, spawnFailingWorkers?.contains(worker) ?? true { return .stageSetUp(id, .failure(StageFailure(.children, spawnFailure, worker: worker))) }
            nextPID += 1
            return .stageSetUp(id, .success(.children(worker: worker, pid: ProcessID(nextPID))))
        }
    }

    @discardableResult
    mutating func advance(_ span: TimeSpan) -> [Effect] {
        clock = clock + span
        return send(.tick)
    }

    func state(_ binding: String) -> String? {
        supervisor.status().first { $0.binding == binding }?.state
    }

    func pid(_ binding: String) -> ProcessID? {
        supervisor.status().first { $0.binding == binding }?.pid
    }

    static func spawns(_ effects: [Effect]) -> [LaunchPlan] {
        effects.compactMap { if case .setUp(_, .children(_, let plan)) = $0 { plan } else { nil } }
    }

    static func signals(_ effects: [Effect]) -> [(ProcessID, Signal)] {
        effects.compactMap { if case .signal(_, let pid, let signal) = $0 { (pid, signal) } else { nil } }
    }
}

enum Bindings {
    static func binding(_ name: String, kernel: String = "v*", link: LinkSettings? = nil,
                        restart: RestartPolicy = .onFailure, settle: TimeSpan = .zero, exec: Bool = true) -> Binding {
        let command = [try! Template(parsing: "/bin/child"), try! Template(parsing: "{interface}")]
        return Binding(name: name, file: "/etc/hotplugd/\(name).toml",
                       match: MatchRules(subsystem: PatternList(["net"]), kernel: PatternList([kernel])),
                       link: link,
                       exec: exec ? ExecSettings(command: command, restart: restart, restartDelay: .milliseconds(500),
                                                 restartDelayMax: .seconds(4), stopTimeout: .seconds(5), settle: settle) : nil)
    }
}
