/// The children stage: a started child runs until it exits, is restarted
/// with backoff as `restart` says, and is stopped with its stop signal,
/// then SIGKILL after `stop-timeout`.
extension Supervisor {
    mutating func childStarted(_ id: InstanceID, pid: Int32) {
        instances[id]?.startedAt = now
        setState(id, .running(pid: pid))
        log(.info, "started child \(pid)", id, pid: pid)
    }

    mutating func childExited(pid: Int32, _ exit: ChildExit) {
        guard let id = instances.values.first(where: { $0.state.pid == pid })?.id, var instance = instances[id] else { return }
        instance.lastExit = exit
        instance.setUp.removeAll { $0 == .children }
        instances[id] = instance
        if case .stopping = instance.state {
            log(.info, "child \(pid) stopped (\(exit))", id, pid: pid)
            continueTeardown(id)
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

    /// The binding's stop signal to the child's process group; SIGKILL
    /// follows at the deadline. `childExited` goes on with the teardown.
    mutating func stopChild(_ id: InstanceID, pid: Int32) {
        let exec = configuration.binding(named: id.binding)?.exec
        let timeout = exec?.stopTimeout ?? .seconds(5)
        setState(id, .stopping(pid: pid, killAt: now + timeout, killed: false))
        effects.append(.signal(id, pid: pid, exec?.stopSignal ?? .terminate))
    }

    mutating func fireDueDeadlines() {
        let due = instances.values.filter { $0.deadline.map { $0 <= now } ?? false }.map(\.id).sorted()
        for id in due {
            guard let instance = instances[id] else { continue }
            switch instance.state {
            case .settling:
                setUpNextStage(id)
            case .backoff:
                instances[id]?.restarts += 1
                setUpNextStage(id)
            case .stopping(let pid, let killAt, false):
                log(.warning, "child \(pid) did not stop in time; sending SIGKILL to its process group", id, pid: pid)
                instances[id]?.state = .stopping(pid: pid, killAt: killAt, killed: true)
                effects.append(.signal(id, pid: pid, .kill))
            default:
                break
            }
        }
    }
}
