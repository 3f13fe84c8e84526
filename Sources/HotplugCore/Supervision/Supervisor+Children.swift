/// The children stage: one child per worker, each restarted with backoff
/// as `restart` says, stopped with its stop signal and then SIGKILL after
/// `stop-timeout`; a rolling restart takes one worker at a time.
extension Supervisor {
    /// Sends the spawn of one worker's child, unless the link owner is
    /// still configuring the link (a backoff that falls due meanwhile waits
    /// for it like everyone else).
    mutating func spawn(_ id: AttachmentID, worker index: Int) {
        guard let device = devices[id.device], let binding = configuration.binding(named: id.binding),
              let exec = binding.exec, attachments[id]?.workers.indices.contains(index) == true else { return }
        if waitsForLinkOwner(id, device) {
            setWorkerState(id, index, .waitingForLink)
            return
        }
        setWorkerState(id, index, .starting)
        let values = PlaceholderValues(device: device.facts, bindingName: binding.name, interface: device.interface,
                                       instance: index)
        let plan = LaunchPlan(exec: exec, values: values)
        attachments[id]?.workers[index].stop = plan.stop
        effects.append(.setUp(id, .children(worker: index, plan)))
    }

    mutating func childStarted(_ id: AttachmentID, worker index: Int, pid: ProcessID) {
        guard let attachment = attachments[id], attachment.workers.indices.contains(index),
              attachment.workers[index].state == .starting else {
            log(.warning, "child \(pid) started for an attachment that no longer exists; stopping it", id, pid: pid)
            effects.append(.signal(id, pid: pid, .kill))
            return
        }
        childStartedForMetrics(id, worker: index)
        attachments[id]?.workers[index].startedAt = now
        setWorkerState(id, index, .running(pid: pid))
        log(.info, "started child \(pid)", id, pid: pid)
        if !attachment.setUp.contains(.children) { attachments[id]?.setUp.append(.children) }
        if attachments[id]?.state != .supervising { setState(id, .supervising) }
        workerSettled(id, index)
    }

    mutating func spawnFailed(_ id: AttachmentID, worker index: Int, _ reason: String) {
        guard let attachment = attachments[id], attachment.workers.indices.contains(index),
              attachment.workers[index].state == .starting else { return }
        if attachment.workers[index].isRespawn, let exec = configuration.binding(named: id.binding)?.exec, exec.restart != .no {
            let failures = attachment.workers[index].consecutiveFailures + 1
            attachments[id]?.workers[index].consecutiveFailures = failures
            let delay = Self.backoffDelay(exec, failures: failures)
            log(.error, StageFailure(.children, reason).logMessage + "; trying again in \(delay)", id)
            setWorkerState(id, index, .backoff(until: now + delay))
            workerSettled(id, index)
            return
        }
        log(.error, StageFailure(.children, reason).logMessage, id)
        setWorkerState(id, index, .failed(reason))
        // The stage fails when no worker could start; one that did carries it.
        if attachments[id]?.state == .settingUp(.children), attachments[id]?.spawnsPending == false,
           attachments[id]?.setUp.contains(.children) == false {
            setState(id, .failed(.children, reason))
        }
        workerSettled(id, index)
    }

    /// A worker's spawn was answered: a teardown that waited for it goes
    /// on, and a rolling restart moves to the next worker.
    mutating func workerSettled(_ id: AttachmentID, _ index: Int) {
        spawnLatencyEnded(id)
        guard let attachment = attachments[id] else { return }
        if attachment.teardown != nil {
            continueTeardown(id)
        } else if attachment.rollingRestart == index {
            restartWorker(id, index + 1)
        }
    }

    mutating func childExited(pid: ProcessID, _ exit: ChildExit) {
        guard let id = attachments.id(withPID: pid),
              let attachment = attachments[id], let index = attachment.worker(runningPID: pid) else { return }
        var worker = attachment.workers[index]
        countExit(id, worker, exit)
        worker.lastExit = exit
        if case .stopping = worker.state { worker.lastExitWasRequested = true } else { worker.lastExitWasRequested = false }
        worker.lastPID = pid
        attachments[id]?.workers[index] = worker
        if case .stopping = worker.state {
            log(.info, "child \(pid) stopped (\(exit))", id, pid: pid)
            setWorkerState(id, index, .exited)
            if worker.respawnAfterStop, attachment.teardown == nil {
                attachments[id]?.workers[index].respawnAfterStop = false
                startAgain(id, worker: index)
            } else {
                continueTeardown(id)
            }
            return
        }
        guard let exec = configuration.binding(named: id.binding)?.exec else { return }
        let uptime = now.span(since: worker.startedAt ?? now)
        if uptime >= Self.healthyUptime { worker.consecutiveFailures = 0 }
        let again = exec.restart == .always || (exec.restart == .onFailure && !exit.isSuccess)
        guard again else {
            log(exit.isSuccess ? .info : .warning, "child \(pid) ended (\(exit)); restart = \(exec.restart.rawValue)", id, pid: pid)
            setWorkerState(id, index, .exited)
            if attachment.rollingRestart == index { restartWorker(id, index + 1) }
            return
        }
        worker.consecutiveFailures += 1
        attachments[id]?.workers[index].consecutiveFailures = worker.consecutiveFailures
        let delay = Self.backoffDelay(exec, failures: worker.consecutiveFailures)
        log(.warning, "child \(pid) ended (\(exit)); restarting in \(delay)", id, pid: pid)
        setWorkerState(id, index, .backoff(until: now + delay))
        if attachment.rollingRestart == index { restartWorker(id, index + 1) }
    }

    mutating func childLeftProcesses(pid: ProcessID) {
        guard let id = attachments.id(withPID: pid),
              let index = attachments[id]?.worker(runningPID: pid) else { return }
        attachments[id]?.workers[index].leftoverGroup = pid
        log(.notice, "child \(pid) is ending but leaves processes in its group; they are stopped with the device", id, pid: pid)
    }

    /// The stop signal to what is left of an ended child's group; SIGKILL
    /// at the deadline, and then the stop counts as done. No exit is
    /// reported for them, so the shell is asked every `leftoverProbe`
    /// whether any remain (`.leftoversGone` ends the stop early).
    mutating func stopLeftovers(_ id: AttachmentID, _ index: Int, group: ProcessID) {
        guard let stop = attachments[id]?.workers[index].stop else { return }
        attachments[id]?.workers[index].leftoverGroup = nil
        setWorkerState(id, index, .stoppingLeftovers(group: group, killAt: now + stop.timeout, probeAt: now + Self.leftoverProbe))
        effects.append(.signal(id, pid: group, stop.signal))
    }

    static let leftoverProbe = TimeSpan.milliseconds(100)

    mutating func leftoversGone(pid: ProcessID) {
        guard let id = attachments.id(withPID: pid),
              let index = attachments[id]?.workers.firstIndex(where: { $0.isStoppingLeftovers(group: pid) }) else { return }
        setWorkerState(id, index, .exited)
        continueTeardown(id)
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

    /// The stop signal the child was started with to the worker's process
    /// group (not the binding's of now: a reload may have changed or removed
    /// it); SIGKILL follows at the deadline. `childExited` goes on from there.
    mutating func stopWorker(_ id: AttachmentID, _ index: Int, respawn: Bool) {
        guard let worker = attachments[id]?.workers[index] else { return }
        attachments[id]?.workers[index].respawnAfterStop = respawn
        guard case .running(let pid) = worker.state else { return }
        setWorkerState(id, index, .stopping(pid: pid, killAt: now + worker.stop.timeout, killed: false))
        effects.append(.signal(id, pid: pid, worker.stop.signal))
    }

    /// Restarts the workers one at a time from `index`: each is stopped and
    /// started again, and the next one waits until it runs, so a service on
    /// shared sockets never stops answering.
    mutating func restartWorker(_ id: AttachmentID, _ index: Int) {
        guard let attachment = attachments[id], index < attachment.workers.count else {
            attachments[id]?.rollingRestart = nil
            return
        }
        attachments[id]?.rollingRestart = index
        switch attachment.workers[index].state {
        case .running:
            stopWorker(id, index, respawn: true)
        case .stopping, .stoppingLeftovers:
            attachments[id]?.workers[index].respawnAfterStop = true
        case .starting, .waitingForLink:
            break // answered soon; `workerSettled` moves on
        default:
            startAgain(id, worker: index)
        }
    }

    /// A restart hotplugd decided on (not a backoff's): counted, and the
    /// backoff starts again from `restart-delay`.
    mutating func startAgain(_ id: AttachmentID, worker index: Int) {
        attachments[id]?.workers[index].restarts += 1
        metrics.countRestart(binding: id.binding)
        attachments[id]?.workers[index].consecutiveFailures = 0
        spawn(id, worker: index)
    }

    mutating func fireDueDeadlines() {
        let due = attachments.due(at: now)
        for id in due {
            guard let attachment = attachments[id] else { continue }
            if case .settling = attachment.state {
                setUpNextStage(id)
                continue
            }
            for index in attachment.workers.indices {
                let worker = attachment.workers[index]
                guard let deadline = worker.deadline, deadline <= now else { continue }
                switch worker.state {
                case .backoff:
                    attachments[id]?.workers[index].restarts += 1
                    metrics.countRestart(binding: id.binding)
                    attachments[id]?.workers[index].isRespawn = true
                    spawn(id, worker: index)
                case .stoppingLeftovers(let group, let killAt, _) where killAt > now:
                    // Not yet time to kill: ask whether anything is left.
                    setWorkerState(id, index, .stoppingLeftovers(group: group, killAt: killAt, probeAt: now + Self.leftoverProbe))
                    effects.append(.signal(id, pid: group, .continue))
                case .stoppingLeftovers(let group, _, _):
                    effects.append(.signal(id, pid: group, .kill))
                    setWorkerState(id, index, .exited)
                    continueTeardown(id)
                case .stopping(let pid, let killAt, false):
                    log(.warning, "child \(pid) did not stop in time; sending SIGKILL to its process group", id, pid: pid)
                    setWorkerState(id, index, .stopping(pid: pid, killAt: killAt, killed: true))
                    effects.append(.signal(id, pid: pid, .kill))
                default:
                    break
                }
            }
        }
    }

    mutating func setWorkerState(_ id: AttachmentID, _ index: Int, _ state: WorkerState) {
        guard attachments[id]?.workers.indices.contains(index) == true else { return }
        attachments[id]?.workers[index].enter(state, at: now)
    }
}
