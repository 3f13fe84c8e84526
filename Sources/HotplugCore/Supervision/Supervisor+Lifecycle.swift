/// One binding's lifecycle on one device: its stages set up in order, each
/// only after the one before it succeeded, and torn down in reverse, exactly
/// those that were set up.
extension Supervisor {
    mutating func begin(_ id: InstanceID, settle: TimeSpan) {
        instances[id] = Instance(id: id, state: .settingUp(.link), since: now)
        if settle > .zero {
            setState(id, .settling(until: now + settle))
        } else {
            setUpNextStage(id)
        }
    }

    /// Sends the setup of the first stage of the plan that is not set up yet;
    /// with every stage up, the instance is `configured`.
    mutating func setUpNextStage(_ id: InstanceID) {
        guard let instance = instances[id], let device = devices[id.device],
              let binding = configuration.binding(named: id.binding) else {
            instances.removeValue(forKey: id)
            return
        }
        if binding.link != nil, device.linkOwner != id.binding {
            let owner = device.linkOwner ?? "?"
            log(.error, "[link] conflict: binding '\(owner)' already configures this device's link", id)
            setState(id, .failed(.link, "[link] conflict with binding '\(owner)'"))
            return
        }
        let plan = Stage.plan(for: binding, ownsLink: device.linkOwner == id.binding)
        guard let next = plan.first(where: { !instance.setUp.contains($0) }) else {
            setState(id, .configured)
            return
        }
        if waitsForLinkOwner(id, device) {
            setState(id, .waitingForLink)
            return
        }
        setState(id, .settingUp(next))
        switch next {
        case .link:
            guard let link = binding.link else { return }
            devices[id.device]?.link = .pending
            let request = LinkRequest(ifindex: device.facts.ifindex, currentName: device.label, settings: link)
            effects.append(.setUp(id, .link(request)))
        case .firewall:
            guard let firewall = binding.firewall else { return }
            let request = FirewallRequest(ifindex: device.facts.ifindex, binding: binding.name, settings: firewall)
            effects.append(.setUp(id, .firewall(request)))
        case .children:
            guard let exec = binding.exec else { return }
            let values = PlaceholderValues(device: device.facts, bindingName: binding.name, interface: device.interface)
            effects.append(.setUp(id, .children(LaunchPlan(exec: exec, values: values))))
        }
    }

    /// Whether the device's `[link]` owner is still to configure the link:
    /// everyone else's children must see the interface's final name.
    func waitsForLinkOwner(_ id: InstanceID, _ device: TrackedDevice) -> Bool {
        guard let owner = device.linkOwner, owner != id.binding,
              instances[InstanceID(binding: owner, device: id.device)] != nil else { return false }
        return device.link == .notStarted || device.link == .pending
    }

    mutating func stageSetUp(_ id: InstanceID, _ result: Result<StageOutcome, StageFailure>) {
        let stage = switch result {
        case .success(let outcome): outcome.stage
        case .failure(let failure): failure.stage
        }
        guard let instance = instances[id], instance.state == .settingUp(stage) else {
            if stage == .firewall, instances[id]?.setUp.contains(.firewall) == true {
                firewallReplaced(id, result)
            } else {
                discardUnwantedSetup(id, result)
            }
            return
        }
        switch result {
        case .success(let outcome):
            instances[id]?.setUp.append(stage)
            switch outcome {
            case .link(let interface): linkConfigured(id, interface: interface)
            case .firewall: break
            case .children(let pid): childStarted(id, pid: pid)
            }
            if instances[id]?.teardown != nil {
                continueTeardown(id)
            } else if stage != .children {
                setUpNextStage(id)
            }
        case .failure(let failure):
            log(.error, failure.logMessage, id)
            // Not retried by itself: a missing program, a taken name or a
            // bad address does not fix itself, and retrying at full speed
            // would flood the log. The next add/change or `restart` retries.
            setState(id, .failed(stage, failure.reason))
            if stage == .link { linkFailed(id, failure.reason) }
            if instances[id]?.teardown != nil { continueTeardown(id) }
        }
    }

    /// A reload changed the binding's `[firewall]`: its rules are replaced
    /// where they are set up; nothing after them is redone.
    mutating func replaceFirewall(_ id: InstanceID) {
        guard instances[id]?.setUp.contains(.firewall) == true, let device = devices[id.device],
              let binding = configuration.binding(named: id.binding), let firewall = binding.firewall else { return }
        let request = FirewallRequest(ifindex: device.facts.ifindex, binding: binding.name, settings: firewall)
        effects.append(.setUp(id, .firewall(request)))
    }

    /// The shell's answer to `replaceFirewall`. On failure the shell keeps
    /// the previous rules (its transactions are atomic): the device stays
    /// restricted as before, which the log says.
    mutating func firewallReplaced(_ id: InstanceID, _ result: Result<StageOutcome, StageFailure>) {
        switch result {
        case .success: log(.info, "firewall rules replaced", id)
        case .failure(let failure): log(.error, "cannot replace the firewall rules (the previous ones stay): \(failure.reason)", id)
        }
    }

    /// The shell set up a stage for an instance that is gone or no longer
    /// wants it: undo it at once.
    mutating func discardUnwantedSetup(_ id: InstanceID, _ result: Result<StageOutcome, StageFailure>) {
        guard case .success(let outcome) = result else { return }
        switch outcome {
        case .children(let pid):
            log(.warning, "child \(pid) started for an instance that no longer exists; stopping it", id, pid: pid)
            effects.append(.signal(id, pid: pid, .kill))
        default:
            effects.append(.tearDown(id, outcome.stage))
        }
    }

    mutating func linkConfigured(_ id: InstanceID, interface name: String) {
        guard var device = devices[id.device] else { return }
        let previous = device.label
        device.interface = name
        device.facts.properties["INTERFACE"] = name
        device.link = .done
        devices[id.device] = device
        if name != previous { log(.info, "renamed \(previous) to \(name)", id) }
        resumeLinkWaiters(id.device)
    }

    mutating func linkFailed(_ id: InstanceID, _ reason: String) {
        guard devices[id.device]?.linkOwner == id.binding else { return }
        devices[id.device]?.link = .failed(reason)
        // The others go on with the name the device has: their children do
        // not depend on the link being configured, only on it being settled.
        resumeLinkWaiters(id.device)
    }

    mutating func resumeLinkWaiters(_ device: DeviceID) {
        for waiter in instanceIDs(of: device) where instances[waiter]?.state == .waitingForLink {
            setUpNextStage(waiter)
        }
    }

    /// Tears the instance down to `downTo` (every stage when nil), then
    /// drops it or sets it up again. A request during a teardown under way
    /// widens it: the lower stage and the later decision win.
    mutating func tearDown(_ id: InstanceID, downTo: Stage? = nil, then: Instance.AfterTeardown) {
        guard var instance = instances[id] else { return }
        var floor = downTo ?? Stage.allCases[0]
        if let current = instance.teardown { floor = min(floor, current.downTo) }
        instance.teardown = Instance.Teardown(downTo: floor, then: then)
        instances[id] = instance
        switch instance.state {
        case .settingUp, .stopping:
            // Goes on when the shell answers, or the child is gone.
            return
        default:
            continueTeardown(id)
        }
    }

    /// Tears down the set-up stages from the last one to the teardown's
    /// floor. Stopping a child waits for its exit, which calls back here.
    mutating func continueTeardown(_ id: InstanceID) {
        guard var instance = instances[id], let teardown = instance.teardown else { return }
        while let top = instance.setUp.last, top >= teardown.downTo {
            if top == .children {
                if case .running(let pid) = instance.state {
                    stopChild(id, pid: pid)
                    return
                }
            } else {
                effects.append(.tearDown(id, top))
                if top == .link { devices[id.device]?.link = .notStarted }
            }
            instance.setUp.removeLast()
            instances[id] = instance
        }
        instances[id]?.teardown = nil
        finishTeardown(id, then: teardown.then)
    }

    mutating func finishTeardown(_ id: InstanceID, then: Instance.AfterTeardown) {
        guard let instance = instances[id] else { return }
        let present = devices[id.device].map { !$0.isGone } ?? false
        guard then == .setUpAgain, present, !isShuttingDown else {
            instances.removeValue(forKey: id)
            if devices[id.device]?.linkOwner == id.binding { resumeLinkWaiters(id.device) }
            forgetIfUnused(id.device)
            return
        }
        instances[id]?.consecutiveFailures = 0
        switch instance.state {
        case .running, .stopping, .backoff, .exited, .configured:
            if configuration.binding(named: id.binding)?.exec != nil { instances[id]?.restarts += 1 }
            setUpNextStage(id)
        case .settling, .waitingForLink:
            // Nothing was set up yet: a reload does not cut the settle
            // window short, and the wait for the link owner goes on.
            break
        case .failed(.link, _) where devices[id.device]?.linkOwner == id.binding:
            devices[id.device]?.link = .notStarted
            setUpNextStage(id)
        default:
            setUpNextStage(id)
        }
    }

    mutating func setState(_ id: InstanceID, _ state: InstanceState) {
        guard var instance = instances[id] else { return }
        if instance.state.name != state.name { instance.since = now }
        instance.state = state
        instances[id] = instance
    }
}
