import HotplugCore

/// The firewall stage's life in the daemon: the start-up reconcile, the
/// watch for others changing the table, the repair, and the table's removal
/// on shutdown. A configuration without `[firewall]` never touches nftables.
extension Daemon {
    var configurationUsesFirewall: Bool {
        supervisor.configuration.bindings.contains { $0.firewall != nil }
    }

    /// Tells the stage which bindings have `[firewall]`, so their chains
    /// are in the table before their first device: at start (written by
    /// the start's rebuild) and after a reload (written now, one
    /// transaction: a changed binding's rules are replaced for all its
    /// devices at once).
    func configureFirewall() {
        guard configurationUsesFirewall || firewallStage.hasTouchedTable else { return }
        if let refusal = claimFirewallTable() {
            logger.error("the [firewall] of the configuration is not installed: \(refusal)")
            return
        }
        watchFirewall()
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
    func startFirewall() {
        guard configurationUsesFirewall || !firewallStage.isEmpty, firewallLock != nil else { return }
        watchFirewall()
        guard firewallStage.written == nil else { return }
        do {
            try firewallStage.rebuild()
        } catch {
            logger.error("cannot reconcile the nftables table inet hotplugd: \(error)")
        }
    }

    /// Claims the table of this network namespace once (see
    /// `FirewallTableLock`); the refusal while another daemon owns it.
    func claimFirewallTable() -> FirewallTableLock.Refusal? {
        guard firewallLock == nil else {
            // Held across a re-exec: watching starts again in this image.
            watchFirewall()
            return nil
        }
        do {
            firewallLock = try FirewallTableLock.acquire()
            watchFirewall()
            return nil
        } catch {
            return error
        }
    }

    /// Subscribes to nftables' change notifications once.
    func watchFirewall() {
        guard firewallEvents == nil, firewallLock != nil else { return }
        do {
            let events = try NftablesEvents(family: 1 /* NFPROTO_INET */, table: FirewallRuleset.tableName)
            try epoll.add(events, token: Token.firewall, events: .readable)
            firewallEvents = events
        } catch {
            logger.error("cannot watch nftables for changes: \(error); if the table inet hotplugd is changed, its rules are not put back")
        }
    }

    /// Someone else changed the table (`nft flush ruleset`, a reload of
    /// nftables.service, a hand-deleted rule): put every rule back, at once
    /// or, while someone keeps changing it, on `FirewallRepair`'s schedule.
    func readFirewallEvents() {
        guard let report = firewallEvents?.drain(), !report.changes.isEmpty || report.lost else { return }
        guard !firewallStage.isEmpty else { return }
        let now = Instant(nanoseconds: MonotonicClock.now())
        let wasDegraded = firewallRepair.isDegraded
        var due = now
        for change in report.changes {
            due = firewallRepair.changed(by: "\(change.process) (pid \(change.pid))", at: now)
            if !wasDegraded {
                logger.warning("the nftables table inet hotplugd was changed by \(change.process) (pid \(change.pid)); reinstalling hotplugd's rules")
            }
        }
        if report.lost {
            due = firewallRepair.changed(by: nil, at: now)
            if !wasDegraded { logger.warning("nftables change notifications were lost; reinstalling hotplugd's rules") }
        }
        supervisor.metrics.setFirewallDegraded(true)
        guard due > now else { return repairFirewall() }
        if !wasDegraded {
            logger.error("the table inet hotplugd keeps being changed (last by \(firewallRepair.changedBy ?? "an unknown process")); its rules are gone until the next repair in \(due.span(since: now)), repairing at most once a second until the changes stop")
        }
        armFirewallRepair(due)
    }

    /// The repair timer fired, or a change needs no wait.
    func repairFirewall() {
        _ = try? firewallRepairTimer?.acknowledge()
        guard firewallRepair.isDegraded else { return }
        let start = MonotonicClock.now()
        firewallRepair.attempting(at: Instant(nanoseconds: start))
        do {
            try firewallStage.rebuild()
            let wasFailing = if case .failing = firewallRepair.state { true } else { false }
            firewallRepair.repaired()
            supervisor.metrics.countFirewallRepair()
            supervisor.metrics.setFirewallDegraded(false)
            let took = "\((MonotonicClock.now() - start) / 1000) us"
            if wasFailing {
                logger.notice("firewall rules reinstalled in \(took) after failed tries; the table inet hotplugd is in place again")
            } else {
                logger.notice("firewall rules reinstalled in \(took)")
            }
        } catch {
            let wasFailing = if case .failing = firewallRepair.state { true } else { false }
            let due = firewallRepair.failed(error.description, at: Instant(nanoseconds: MonotonicClock.now()))
            if !wasFailing {
                logger.error("cannot reinstall the firewall rules: \(error); the devices of [firewall] bindings are unfiltered until it works; trying again at most a second apart")
            }
            armFirewallRepair(due)
        }
    }

    /// The repair's own timer: the core's deadlines are the devices'.
    func armFirewallRepair(_ due: Instant) {
        do {
            if firewallRepairTimer == nil {
                let timer = try TimerFD()
                try epoll.add(timer, token: Token.firewallRepair, events: .readable)
                firewallRepairTimer = timer
            }
            try firewallRepairTimer?.arm(deadlineNanoseconds: max(due.nanoseconds, 1))
        } catch {
            logger.error("cannot arm the firewall repair timer: \(error); the table inet hotplugd is put back on the next change or reload")
        }
    }

    /// On reload: a table that is not in place is put back now, whatever
    /// the backoff said.
    func repairFirewallOnReload() {
        guard firewallRepair.isDegraded else { return }
        logger.notice("reload: putting the table inet hotplugd back now")
        repairFirewall()
    }

    /// On shutdown, after every child has stopped: the table goes.
    func stopFirewall() {
        if let firewallEvents { try? epoll.remove(firewallEvents) }
        guard firewallLock != nil else { return }
        do {
            try firewallStage.removeTable()
        } catch {
            logger.error("cannot remove the nftables table inet hotplugd: \(error)")
        }
    }
}
