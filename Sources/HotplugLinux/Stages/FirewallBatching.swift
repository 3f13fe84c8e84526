import HotplugCore
import Logging

/// The firewall stage as the daemon runs it: the setups of one loop turn
/// (a storm, a coldplug) are queued and get their rules in one
/// transaction at the end of the turn, so the stage answers a turn later
/// and stays `configuring` until then.
final class FirewallBatching<Kernel: FirewallOperations>: StageExecutor {
    let stage: FirewallStage<Kernel>
    /// Claims the table before a write; the refusal while another daemon
    /// owns it (a reload brought [firewall]).
    var claim: () -> FirewallTableLock.Refusal? = { nil }
    /// Called on every setup: a reload may bring the first [firewall], to
    /// be watched from then on.
    var watch: () -> Void = {}
    let clock: () -> UInt64
    let logger: Logger
    private var pending: [(AttachmentID, FirewallRequest)] = []

    init(stage: FirewallStage<Kernel>, logger: Logger, clock: @escaping () -> UInt64) {
        self.stage = stage
        self.logger = logger
        self.clock = clock
    }

    func setUp(_ id: AttachmentID, _ setup: StageSetup) -> Result<StageOutcome, StageFailure>? {
        guard case .firewall(let request) = setup else { return .failure(.misrouted(.firewall, setup)) }
        watch()
        pending.append((id, request))
        return nil
    }

    func tearDown(_ id: AttachmentID) {
        if let problem = stage.tearDown(id) {
            logger.error("removing the firewall rules of \(id.binding) failed: \(problem)")
        }
    }

    var hasPendingAnswers: Bool { !pending.isEmpty }

    /// Writes the queued setups and hands over their results; those may
    /// queue more (another binding on the same device), for the next call.
    func finishTurn(answer: (AttachmentID, Result<StageOutcome, StageFailure>) -> Void) {
        let batch = pending
        pending = []
        guard !batch.isEmpty else { return }
        if let refusal = claim() {
            // Another daemon owns the table: the devices' stage fails,
            // their children stay down.
            for (id, _) in batch { answer(id, .failure(StageFailure(.firewall, refusal.description))) }
            return
        }
        // Timed because it sits between plug and the child's start: the
        // cost of [firewall] in a device's start-up is this transaction.
        let start = clock()
        let results = stage.setUpAll(batch)
        logger.debug("firewall transaction for \(batch.count) attachment(s) took \((clock() - start) / 1000) us")
        for ((id, _), result) in zip(batch, results) { answer(id, result) }
    }
}
