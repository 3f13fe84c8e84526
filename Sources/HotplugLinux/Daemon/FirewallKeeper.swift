import HotplugCore
import Logging

/// The firewall as a component of the daemon: the table's claim
/// (`FirewallTableLock`), the start-up reconcile, the watch for others
/// changing the table, the repair and its timer, and the table's removal
/// on shutdown. A configuration without `[firewall]` never touches
/// nftables. Owns its two tokens; the per-device rules are the firewall
/// stage's (`DeviceSupervision.firewall`).
final class FirewallKeeper<Kernel: DaemonKernel> {
    static var eventsToken: UInt64 { 6 }
    static var repairToken: UInt64 { 8 }

    let supervision: DeviceSupervision<Kernel>
    let epoll: Epoll
    let logger: Logger
    var kernel: Kernel { supervision.kernel }
    /// Open once a binding has `[firewall]`.
    private(set) var events: Kernel.FirewallChanges?
    /// This daemon's claim on the table of its network namespace, taken
    /// before the first write to it.
    private(set) var lock: FirewallTableLock?
    /// Whether the table is in place, and when the next repair is due.
    private(set) var repair = FirewallRepair()
    /// Armed while a repair waits (someone keeps changing the table).
    private var repairTimer: TimerFD?

    /// `adoptedLock`: the claim a previous image held (re-exec).
    init(supervision: DeviceSupervision<Kernel>, epoll: Epoll, logger: Logger, adoptedLock: FirewallTableLock? = nil) {
        self.supervision = supervision
        self.epoll = epoll
        self.logger = logger
        lock = adoptedLock
    }

    var configurationUsesFirewall: Bool {
        supervision.supervisor.configuration.bindings.contains { $0.firewall != nil }
    }

    /// Tells the stage which bindings have `[firewall]`, so their chains
    /// are in the table before their first device: at start (written by
    /// the start's rebuild) and after a reload (written now, one
    /// transaction: a changed binding's rules are replaced for all its
    /// devices at once).
    func configure() {
        guard configurationUsesFirewall || supervision.firewallStage.hasTouchedTable else { return }
        if let refusal = claimTable() {
            logger.error("the [firewall] of the configuration is not installed: \(refusal)")
            return
        }
        watch()
        do {
            try supervision.configureFirewall()
        } catch {
            logger.error("cannot write the firewall rules of the reloaded configuration: \(error); the previous rules stay")
        }
    }

    /// After coldplug: one transaction drops the table (what a crashed
    /// predecessor left for devices now gone) and writes it again from what
    /// is present, so a plugged device is never without its rules. The
    /// coldplug's own setups did exactly that if there were any (the first
    /// write of a table not yet known is such a rebuild): not twice.
    func start() {
        guard configurationUsesFirewall || !supervision.firewallStage.isEmpty, lock != nil else { return }
        watch()
        guard supervision.firewallStage.written == nil else { return }
        do {
            try supervision.firewallStage.rebuild()
        } catch {
            logger.error("cannot reconcile the nftables table inet hotplugd: \(error)")
        }
    }

    /// Claims the table of this network namespace once (see
    /// `FirewallTableLock`); the refusal while another daemon owns it.
    func claimTable() -> FirewallTableLock.Refusal? {
        guard lock == nil else {
            // Held across a re-exec: watching starts again in this image.
            watch()
            return nil
        }
        do {
            lock = try kernel.claimFirewallTable()
            watch()
            return nil
        } catch {
            return error
        }
    }

    /// Subscribes to nftables' change notifications once.
    func watch() {
        guard events == nil, lock != nil else { return }
        do {
            let opened = try kernel.subscribeFirewallChanges()
            try opened.watch(in: epoll, token: Self.eventsToken)
            events = opened
        } catch {
            logger.error("cannot watch nftables for changes: \(error); if the table inet hotplugd is changed, its rules are not put back")
        }
    }

    /// Someone else changed the table (`nft flush ruleset`, a reload of
    /// nftables.service, a hand-deleted rule): put every rule back, at once
    /// or, while someone keeps changing it, on `FirewallRepair`'s schedule.
    func readEvents() {
        guard let report = events?.drain(), !report.changes.isEmpty || report.lost else { return }
        guard !supervision.firewallStage.isEmpty else { return }
        let now = Instant(nanoseconds: kernel.now())
        let wasDegraded = repair.isDegraded
        var due = now
        for change in report.changes {
            due = repair.changed(by: "\(change.process) (pid \(change.pid))", at: now)
            if !wasDegraded {
                logger.warning("the nftables table inet hotplugd was changed by \(change.process) (pid \(change.pid)); reinstalling hotplugd's rules")
            }
        }
        if report.lost {
            due = repair.changed(by: nil, at: now)
            if !wasDegraded { logger.warning("nftables change notifications were lost; reinstalling hotplugd's rules") }
        }
        supervision.supervisor.metrics.setFirewallDegraded(true)
        guard due > now else { return repairNow() }
        if !wasDegraded {
            logger.error("the table inet hotplugd keeps being changed (last by \(repair.changedBy ?? "an unknown process")); its rules are gone until the next repair in \(due.span(since: now)), repairing at most once a second until the changes stop")
        }
        armRepair(due)
    }

    /// The repair timer fired, or a change needs no wait.
    func repairNow() {
        _ = try? repairTimer?.acknowledge()
        guard repair.isDegraded else { return }
        let start = kernel.now()
        repair.attempting(at: Instant(nanoseconds: start))
        do {
            try supervision.firewallStage.rebuild()
            let wasFailing = if case .failing = repair.state { true } else { false }
            repair.repaired()
            supervision.supervisor.metrics.countFirewallRepair()
            supervision.supervisor.metrics.setFirewallDegraded(false)
            let took = "\((kernel.now() - start) / 1000) us"
            if wasFailing {
                logger.notice("firewall rules reinstalled in \(took) after failed tries; the table inet hotplugd is in place again")
            } else {
                logger.notice("firewall rules reinstalled in \(took)")
            }
        } catch {
            let wasFailing = if case .failing = repair.state { true } else { false }
            let due = repair.failed(error.description, at: Instant(nanoseconds: kernel.now()))
            if !wasFailing {
                logger.error("cannot reinstall the firewall rules: \(error); the devices of [firewall] bindings are unfiltered until it works; trying again at most a second apart")
            }
            armRepair(due)
        }
    }

    /// The repair's own timer: the core's deadlines are the devices'.
    func armRepair(_ due: Instant) {
        do {
            if repairTimer == nil {
                let timer = try TimerFD()
                try epoll.add(timer, token: Self.repairToken, events: .readable)
                repairTimer = timer
            }
            try repairTimer?.arm(deadlineNanoseconds: max(due.nanoseconds, 1))
        } catch {
            logger.error("cannot arm the firewall repair timer: \(error); the table inet hotplugd is put back on the next change or reload")
        }
    }

    /// On reload: a table that is not in place is put back now, whatever
    /// the backoff said.
    func repairOnReload() {
        guard repair.isDegraded else { return }
        logger.notice("reload: putting the table inet hotplugd back now")
        repairNow()
    }

    /// On shutdown, after every child has stopped: the table goes.
    func stop() {
        events?.unwatch(from: epoll)
        guard lock != nil else { return }
        do {
            try supervision.firewallStage.removeTable()
        } catch {
            logger.error("cannot remove the nftables table inet hotplugd: \(error)")
        }
    }
}
