/// One binding's lifecycle on one device: its stages set up in order, each
/// only after the one before it succeeded, and torn down in reverse, exactly
/// those that were set up.
extension Supervisor {
    mutating func begin(_ id: AttachmentID, settle: TimeSpan) {
        let spawnLatencyFrom = spawnLatencyStart(settle: settle)
        attachments[id] = Attachment(id: id, state: .settingUp(.link), since: now)
        attachments[id]?.spawnLatencyFrom = spawnLatencyFrom
        if settle > .zero {
            setState(id, .settling(until: now + settle))
        } else {
            setUpNextStage(id)
        }
    }

    /// Sends the setup of the first stage of the plan that is not set up yet;
    /// with every stage up, the attachment is `configured`.
    mutating func setUpNextStage(_ id: AttachmentID) {
        guard let attachment = attachments[id], let device = devices[id.device],
              let binding = configuration.binding(named: id.binding) else {
            attachments.removeValue(forKey: id)
            return
        }
        if binding.link != nil, device.linkOwner != id.binding {
            let owner = device.linkOwner ?? "?"
            log(.error, "[link] conflict: binding '\(owner)' already configures this device's link", id)
            setState(id, .failed(.link, "[link] conflict with binding '\(owner)'"))
            return
        }
        let plan = Stage.plan(for: binding, ownsLink: device.linkOwner == id.binding)
        guard let next = plan.first(where: { !attachment.setUp.contains($0) }) else {
            setState(id, .configured)
            return
        }
        if waitsForLinkOwner(id, device) {
            setState(id, .waitingForLink)
            return
        }
        setState(id, .settingUp(next))
        switch next.row.setUp {
        case .effect(let request):
            guard let setup = request(StageRow.SetupContext(binding: binding, device: device)) else { return }
            if next.row.configuresLink { devices[id.device]?.link = .pending }
            effects.append(.setUp(id, setup))
        case .workers:
            let count = binding.exec?.instances ?? 1
            var workers = attachment.workers
            if workers.count > count { workers.removeLast(workers.count - count) }
            while workers.count < count { workers.append(Worker(state: .starting, since: now)) }
            attachments[id]?.workers = workers
            for index in 0..<count { spawn(id, worker: index) }
        }
    }

    /// Whether the device's `[link]` owner is still to configure the link:
    /// everyone else's children must see the interface's final name.
    func waitsForLinkOwner(_ id: AttachmentID, _ device: TrackedDevice) -> Bool {
        guard let owner = device.linkOwner, owner != id.binding,
              attachments[AttachmentID(binding: owner, device: id.device)] != nil else { return false }
        return device.link == .notStarted || device.link == .pending
    }

    mutating func stageSetUp(_ id: AttachmentID, _ result: Result<StageOutcome, StageFailure>) {
        switch result {
        case .success(.children(let worker, let pid)):
            childStarted(id, worker: worker, pid: pid)
        case .failure(let failure) where failure.stage == .children:
            spawnFailed(id, worker: failure.worker ?? 0, failure.reason)
        case .success(let outcome):
            guard attachments[id]?.state == .settingUp(outcome.stage) else {
                if outcome.stage == .firewall, attachments[id]?.setUp.contains(.firewall) == true {
                    firewallReplaced(id, result)
                } else {
                    // Set up for an attachment that is gone or no longer wants it.
                    effects.append(.tearDown(id, outcome.stage))
                }
                return
            }
            attachments[id]?.setUp.append(outcome.stage)
            if case .link(let interface) = outcome { linkConfigured(id, interface: interface) }
            if attachments[id]?.teardown != nil {
                continueTeardown(id)
            } else {
                setUpNextStage(id)
            }
        case .failure(let failure):
            guard attachments[id]?.state == .settingUp(failure.stage) else {
                if failure.stage == .firewall, attachments[id]?.setUp.contains(.firewall) == true { firewallReplaced(id, result) }
                return
            }
            stageFailed(id, failure)
        }
    }

    /// A reload changed the binding's `[firewall]`: its rules are replaced
    /// where they are set up; nothing after them is redone.
    mutating func replaceFirewall(_ id: AttachmentID) {
        guard attachments[id]?.setUp.contains(.firewall) == true, let device = devices[id.device],
              let binding = configuration.binding(named: id.binding), let firewall = binding.firewall else { return }
        let request = FirewallRequest(ifindex: device.facts.ifindex, binding: binding.name, settings: firewall)
        effects.append(.setUp(id, .firewall(request)))
    }

    /// The shell's answer to `replaceFirewall`. On failure the shell keeps
    /// the previous rules (its transactions are atomic): the device stays
    /// restricted as before, which the log says.
    mutating func firewallReplaced(_ id: AttachmentID, _ result: Result<StageOutcome, StageFailure>) {
        switch result {
        case .success: log(.info, "firewall rules replaced", id)
        case .failure(let failure): log(.error, "cannot replace the firewall rules (the previous ones stay): \(failure.reason)", id)
        }
    }

    /// Not retried by itself: a missing program, a taken name or a bad
    /// address does not fix itself, and retrying at full speed would flood
    /// the log. The next add/change, `restart` or a reload retries.
    mutating func stageFailed(_ id: AttachmentID, _ failure: StageFailure) {
        log(failure.awaitsOwnSockets ? .notice : .error, failure.logMessage, id)
        setState(id, .failed(failure.stage, failure.reason))
        if failure.awaitsOwnSockets { socketWaiters.insert(id) }
        spawnLatencyEnded(id)
        if failure.stage.row.configuresLink { linkFailed(id, failure.reason) }
        if attachments[id]?.teardown != nil { continueTeardown(id) }
    }

    mutating func linkConfigured(_ id: AttachmentID, interface name: String) {
        guard var device = devices[id.device] else { return }
        let previous = device.label
        device.interface = name
        device.facts.properties["INTERFACE"] = name
        device.link = .done
        devices[id.device] = device
        if name != previous { log(.info, "renamed \(previous) to \(name)", id) }
        resumeLinkWaiters(id.device)
    }

    mutating func linkFailed(_ id: AttachmentID, _ reason: String) {
        guard devices[id.device]?.linkOwner == id.binding else { return }
        devices[id.device]?.link = .failed(reason)
        // The others go on with the name the device has: their children do
        // not depend on the link being configured, only on it being settled.
        resumeLinkWaiters(id.device)
    }

    mutating func resumeLinkWaiters(_ device: DeviceID) {
        for waiter in attachmentIDs(of: device) {
            guard let attachment = attachments[waiter] else { continue }
            if attachment.state == .waitingForLink {
                setUpNextStage(waiter)
            } else {
                for index in attachment.workers.indices where attachment.workers[index].state == .waitingForLink {
                    spawn(waiter, worker: index)
                }
            }
        }
    }

    /// Tears the attachment down to `downTo` (every stage when nil), then
    /// drops it or sets it up again. A request during a teardown under way
    /// widens it: the lower stage and the later decision win.
    mutating func tearDown(_ id: AttachmentID, downTo: Stage? = nil, then: Attachment.AfterTeardown) {
        guard var attachment = attachments[id] else { return }
        var floor = downTo ?? Stage.allCases[0]
        if let current = attachment.teardown { floor = min(floor, current.downTo) }
        attachment.teardown = Attachment.Teardown(downTo: floor, then: then)
        attachment.rollingRestart = nil
        attachments[id] = attachment
        // A stage whose setup is still out goes on when the shell answers.
        if case .settingUp(let stage) = attachment.state, case .effect = stage.row.setUp { return }
        continueTeardown(id)
    }

    /// Tears down the set-up stages from the last one to the teardown's
    /// floor. Stopping children waits for their exits, which call back here.
    mutating func continueTeardown(_ id: AttachmentID) {
        guard var attachment = attachments[id], let teardown = attachment.teardown, !attachment.spawnsPending else { return }
        var closedSockets = false
        while let top = attachment.setUp.last, top >= teardown.downTo {
            if case .workers = top.row.setUp {
                let alive = attachment.aliveWorkers
                if !alive.isEmpty {
                    for index in alive { stopWorker(id, index, respawn: false) }
                    return
                }
                let leftovers = attachment.workers.indices.filter { attachment.workers[$0].leftoverGroup != nil }
                if !leftovers.isEmpty {
                    for index in leftovers {
                        if let group = attachment.workers[index].leftoverGroup { stopLeftovers(id, index, group: group) }
                    }
                    return
                }
                for index in attachment.workers.indices where attachment.workers[index].state != .exited {
                    attachment.workers[index].enter(.exited, at: now)
                }
            } else {
                effects.append(.tearDown(id, top))
                if top.row.configuresLink { devices[id.device]?.link = .notStarted }
                if top.row.freesPorts { closedSockets = true }
            }
            attachment.setUp.removeLast()
            attachments[id] = attachment
        }
        attachments[id]?.teardown = nil
        if closedSockets { retrySocketWaiters() }
        finishTeardown(id, then: teardown.then)
    }

    /// Sockets of an attachment just closed: the attachments whose sockets
    /// stage failed on a port we held try again (after the teardown
    /// effect, so the shell has closed them by then).
    mutating func retrySocketWaiters() {
        let waiters = socketWaiters.sorted()
        socketWaiters.removeAll()
        for id in waiters {
            guard case .failed(.sockets, _) = attachments[id]?.state, attachments[id]?.teardown == nil else { continue }
            log(.info, "sockets of another attachment closed; opening the [listen] sockets again", id)
            setUpAgain(id)
        }
    }

    mutating func finishTeardown(_ id: AttachmentID, then: Attachment.AfterTeardown) {
        guard attachments[id] != nil else { return }
        let present = devices[id.device].map { !$0.isGone } ?? false
        guard then == .setUpAgain, present, !isShuttingDown else {
            attachments.removeValue(forKey: id)
            if devices[id.device]?.linkOwner == id.binding { resumeLinkWaiters(id.device) }
            forgetIfUnused(id.device)
            return
        }
        setUpAgain(id)
    }

    /// Sets up again what is not set up: after a restart's or a reload's
    /// teardown, and to retry a failed stage. The one place that decides
    /// how an attachment starts over from where it is.
    mutating func setUpAgain(_ id: AttachmentID) {
        guard let attachment = attachments[id] else { return }
        switch attachment.state {
        case .settling, .waitingForLink:
            // Nothing was set up yet: a reload does not cut the settle
            // window short, and the wait for the link owner goes on.
            break
        case .failed(let stage, _) where stage.row.configuresLink && devices[id.device]?.linkOwner == id.binding:
            devices[id.device]?.link = .notStarted
            setUpNextStage(id)
        case .supervising, .configured:
            for index in attachment.workers.indices {
                attachments[id]?.workers[index].restarts += 1
                metrics.countRestart(binding: id.binding)
                attachments[id]?.workers[index].consecutiveFailures = 0
            }
            setUpNextStage(id)
        default:
            setUpNextStage(id)
        }
    }

    /// Tries again what failed, when a device that still matches is added
    /// or changed (or a reload keeps the binding): a failed stage is set up
    /// again from there, a worker whose start failed while the others run
    /// is started again. Nothing is retried by itself (see `stageFailed`).
    mutating func retryFailures(_ id: AttachmentID) {
        guard let attachment = attachments[id], attachment.teardown == nil else { return }
        if case .failed = attachment.state {
            finishTeardown(id, then: .setUpAgain)
        } else if attachment.state == .supervising {
            for index in attachment.workers.indices where attachment.workers[index].error != nil {
                startAgain(id, worker: index)
            }
        }
    }

    mutating func setState(_ id: AttachmentID, _ state: AttachmentPhase) {
        attachments[id]?.enter(state, at: now)
    }
}
