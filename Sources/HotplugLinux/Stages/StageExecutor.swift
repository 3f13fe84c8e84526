import HotplugCore

/// What the shell does for one lifecycle stage. The daemon hands every
/// setup and teardown the core asks for to the stage's executor; adding a
/// stage is one executor here and its row in the daemon's table
/// (`StageDispatch.executors`).
protocol StageExecutor {
    /// Sets the stage up for `id`: the answer now, or nil when the executor
    /// answers later, from `finishTurn` (the firewall writes one loop
    /// turn's setups in one transaction).
    func setUp(_ id: AttachmentID, _ setup: StageSetup) -> Result<StageOutcome, StageFailure>?
    /// Undoes what `setUp` did for `id`; a failure is the executor's to log.
    func tearDown(_ id: AttachmentID)
    /// Whether answers are held back for `finishTurn`.
    var hasPendingAnswers: Bool { get }
    /// At the end of a loop turn: hands over the answers held back, in the
    /// order of their setups. `answer` may cause more setups; the loop
    /// calls again while `hasPendingAnswers`.
    func finishTurn(answer: (AttachmentID, Result<StageOutcome, StageFailure>) -> Void)
}

extension StageExecutor {
    var hasPendingAnswers: Bool { false }
    func finishTurn(answer: (AttachmentID, Result<StageOutcome, StageFailure>) -> Void) {}
}

extension StageFailure {
    /// A setup handed to the wrong executor: a bug in the daemon's table.
    static func misrouted(_ stage: Stage, _ setup: StageSetup) -> StageFailure {
        StageFailure(stage, "internal: a \(setup.stage) setup reached the \(stage) executor")
    }
}
