/// One binding's instance on one device: settle, link, spawn, restart, stop.
extension Supervisor {
    mutating func begin(_ id: InstanceID, settle: TimeSpan) {
        instances[id] = Instance(id: id, state: .configuring, since: now)
        if settle > .zero {
            setState(id, .settling(until: now + settle))
        } else {
            proceed(id)
        }
    }

    /// After settling: the link owner configures the link; everyone else
    /// waits for it, so their children see the final interface name.
    mutating func proceed(_ id: InstanceID) {
        guard let device = devices[id.device], let binding = configuration.binding(named: id.binding) else {
            instances.removeValue(forKey: id)
            return
        }
        if binding.link != nil, device.linkOwner != id.binding {
            let owner = device.linkOwner ?? "?"
            log(.error, "[link] conflict: binding '\(owner)' already configures this device's link", id)
            setState(id, .failed("[link] conflict with binding '\(owner)'"))
            return
        }
        switch device.link {
        case .notStarted where device.linkOwner == id.binding:
            guard let link = binding.link else { break }
            devices[id.device]?.link = .pending
            setState(id, .configuring)
            effects.append(.configureLink(id.device, LinkRequest(ifindex: device.facts.ifindex, currentName: device.label, settings: link)))
            return
        case .pending:
            // Waits for the owner; `linkConfigured` resumes it.
            setState(id, .configuring)
            return
        case .notStarted where device.linkOwner != nil:
            // The owner is still settling; `linkConfigured` resumes this one.
            setState(id, .configuring)
            return
        default:
            break
        }
        launch(id)
    }

    mutating func launch(_ id: InstanceID) {
        guard let device = devices[id.device], let binding = configuration.binding(named: id.binding) else { return }
        guard let exec = binding.exec else {
            setState(id, .configured)
            return
        }
        setState(id, .configuring)
        let values = PlaceholderValues(device: device.facts, bindingName: binding.name, interface: device.interface)
        effects.append(.spawn(id, LaunchPlan(exec: exec, values: values)))
    }

    mutating func linkConfigured(_ deviceID: DeviceID, _ result: Result<String, LinkFailure>) {
        guard var device = devices[deviceID] else { return }
        switch result {
        case .success(let name):
            let previous = device.label
            device.interface = name
            device.facts.properties["INTERFACE"] = name
            device.link = .done
            devices[deviceID] = device
            if name != previous {
                log(.info, "renamed \(previous) to \(name)", device.linkOwner.map { InstanceID(binding: $0, device: deviceID) }, device: deviceID)
            }
        case .failure(let failure):
            device.link = .failed(failure.reason)
            devices[deviceID] = device
            if let owner = device.linkOwner {
                let id = InstanceID(binding: owner, device: deviceID)
                log(.error, "link configuration failed: \(failure.reason)", id)
                if instances[id] != nil { setState(id, .failed(failure.reason)) }
            }
        }
        // The owner (on success) and every binding waiting for it go on.
        for id in instanceIDs(of: deviceID) where instances[id]?.state == .configuring {
            if case .failure = result, id.binding == device.linkOwner { continue }
            launch(id)
        }
    }

    mutating func childStarted(_ id: InstanceID, pid: Int32) {
        guard var instance = instances[id], instance.state == .configuring else {
            // Started for an instance that is gone meanwhile: stop it at once.
            log(.warning, "child \(pid) started for an instance that no longer exists; stopping it", id, pid: pid)
            effects.append(.signal(id, pid: pid, .kill))
            return
        }
        instance.startedAt = now
        instances[id] = instance
        setState(id, .running(pid: pid))
        log(.info, "started child \(pid)", id, pid: pid)
    }

    mutating func spawnFailed(_ id: InstanceID, _ reason: String) {
        guard instances[id] != nil else { return }
        // Not retried: a missing program or a permission problem does not
        // fix itself, and retrying at full speed would flood the log.
        log(.error, "cannot start child: \(reason)", id)
        setState(id, .failed(reason))
    }

    mutating func childExited(pid: Int32, _ exit: ChildExit) {
        guard let id = instances.values.first(where: { $0.state.pid == pid })?.id, var instance = instances[id] else { return }
        instance.lastExit = exit
        instances[id] = instance
        if case .stopping = instance.state {
            log(.info, "child \(pid) stopped (\(exit))", id, pid: pid)
            if instance.afterStop == .restart, let device = devices[id.device], !device.isGone, !isShuttingDown {
                instances[id]?.consecutiveFailures = 0
                instances[id]?.restarts += 1
                proceed(id)
            } else {
                instances.removeValue(forKey: id)
                forgetIfUnused(id.device)
            }
            return
        }
        guard let binding = configuration.binding(named: id.binding), let exec = binding.exec else { return }
        let uptime = now.span(since: instance.startedAt ?? now)
        if uptime >= Self.healthyUptime { instance.consecutiveFailures = 0 }
        let again = exec.restart == .always || (exec.restart == .onFailure && !exit.isSuccess)
        guard again else {
            instances[id] = instance
            log(exit.isSuccess ? .info : .warning, "child \(pid) ended (\(exit)); restart = \(exec.restart.rawValue)", id, pid: pid)
            setState(id, .exited)
            return
        }
        instance.consecutiveFailures += 1
        instances[id] = instance
        let delay = Self.backoffDelay(exec, failures: instance.consecutiveFailures)
        log(.warning, "child \(pid) ended (\(exit)); restarting in \(delay)", id, pid: pid)
        setState(id, .backoff(until: now + delay))
    }

    /// `restart-delay` doubled per consecutive failure, capped at `restart-delay-max`.
    static func backoffDelay(_ exec: ExecSettings, failures: Int) -> TimeSpan {
        var delay = exec.restartDelay.nanoseconds
        for _ in 1..<max(1, min(failures, 64)) {
            let doubled = delay.multipliedReportingOverflow(by: 2)
            delay = doubled.overflow ? UInt64.max : doubled.partialValue
            if delay >= exec.restartDelayMax.nanoseconds { break }
        }
        return TimeSpan(nanoseconds: min(delay, exec.restartDelayMax.nanoseconds))
    }

    /// Stops the instance's child, if any; `then` says whether to start it
    /// again afterwards (restart, reload) or drop it (remove, shutdown).
    mutating func stop(_ id: InstanceID, then after: Instance.AfterStop) {
        guard let instance = instances[id] else { return }
        switch instance.state {
        case .running(let pid):
            let exec = configuration.binding(named: id.binding)?.exec
            let signal = exec?.stopSignal ?? .terminate
            let timeout = exec?.stopTimeout ?? .seconds(5)
            instances[id]?.afterStop = after
            setState(id, .stopping(pid: pid, killAt: now + timeout, killed: false))
            effects.append(.signal(id, pid: pid, signal))
        case .stopping:
            instances[id]?.afterStop = after
        default:
            if after == .restart, devices[id.device]?.isGone == false {
                instances[id]?.consecutiveFailures = 0
                proceed(id)
            } else {
                instances.removeValue(forKey: id)
            }
        }
    }

    mutating func fireDueDeadlines() {
        let due = instances.values.filter { $0.deadline.map { $0 <= now } ?? false }.map(\.id).sorted()
        for id in due {
            guard let instance = instances[id] else { continue }
            switch instance.state {
            case .settling:
                proceed(id)
            case .backoff:
                instances[id]?.restarts += 1
                launch(id)
            case .stopping(let pid, let killAt, false):
                log(.warning, "child \(pid) did not stop in time; sending SIGKILL to its process group", id, pid: pid)
                instances[id]?.state = .stopping(pid: pid, killAt: killAt, killed: true)
                effects.append(.signal(id, pid: pid, .kill))
            default:
                break
            }
        }
    }

    mutating func setState(_ id: InstanceID, _ state: InstanceState) {
        guard var instance = instances[id] else { return }
        if instance.state.name != state.name { instance.since = now }
        instance.state = state
        instances[id] = instance
    }
}
