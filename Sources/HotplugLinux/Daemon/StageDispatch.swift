import HotplugCore
import Logging

/// The daemon's core loop step, with no descriptor of its own: feeds an
/// event to the core and hands each effect to the stage's executor (one
/// table, `executors`), the answers back to the core. Driven by the
/// daemon's loop, and by tests with fake executors and a fake clock.
final class StageDispatch {
    /// What a signal effect goes to: the children executor.
    protocol Signalling {
        func signal(_ pid: ProcessID, _ signal: Signal) -> Supervisor.Event?
    }

    var supervisor: Supervisor
    /// Every stage's executor, by stage.
    var executors: [Stage: any StageExecutor] = [:]
    var signalling: (any Signalling)?
    let clock: () -> UInt64
    let logger: Logger
    /// The core said every child is gone after a shutdown.
    private(set) var exitRequested = false

    init(supervisor: Supervisor, logger: Logger, clock: @escaping () -> UInt64) {
        self.supervisor = supervisor
        self.logger = logger
        self.clock = clock
    }

    /// Feeds one event to the core and carries out what it asks, including
    /// the events those effects produce in turn. A device event is handled
    /// at `arrivedAt`, when it was read off the monitor: the metrics'
    /// latencies start there.
    func apply(_ event: Supervisor.Event, arrivedAt: UInt64? = nil) {
        var runner = EffectRunner(event, at: arrivedAt.map { Instant(nanoseconds: $0) })
        while let effect = runner.next(&supervisor, now: { Instant(nanoseconds: clock()) }) {
            // A setup's answer is handled when the setup finished (a child's
            // start is then its own, not after the spawns queued behind it).
            let answer = perform(effect)
            runner.answer(answer, at: answer.map { _ in Instant(nanoseconds: clock()) })
        }
    }

    /// At the end of a loop turn: the answers executors held back (the
    /// firewall's transaction), and those their answers caused in turn.
    func finishTurn() {
        while let executor = Stage.allCases.lazy.compactMap({ self.executors[$0] }).first(where: { $0.hasPendingAnswers }) {
            executor.finishTurn { id, result in apply(.stageSetUp(id, result)) }
        }
    }

    func perform(_ effect: Effect) -> Supervisor.Event? {
        switch effect {
        case .setUp(let id, let setup):
            guard let executor = executors[setup.stage] else {
                return .stageSetUp(id, .failure(StageFailure(setup.stage, "internal: no executor for the \(setup.stage) stage")))
            }
            return executor.setUp(id, setup).map { .stageSetUp(id, $0) }
        case .tearDown(let id, let stage):
            executors[stage]?.tearDown(id)
            return nil
        case .signal(_, let pid, let signal):
            return signalling?.signal(pid, signal)
        case .log(let entry):
            logger.log(entry)
            return nil
        case .exit:
            exitRequested = true
            return nil
        }
    }
}

extension ChildrenStage: StageDispatch.Signalling {}
