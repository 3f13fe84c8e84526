import Glibc
import HotplugCore

/// Carries out the core's effects: each stage's setup and teardown by its
/// executor, signals to children, log lines.
extension Daemon {
    func perform(_ effect: Effect) -> Supervisor.Event? {
        switch effect {
        case .setUp(let id, .firewall(let request)):
            // Answered by `flushFirewall`, at the end of this loop turn.
            setUpFirewall(id, request)
            return nil
        case .setUp(let id, let setup):
            return .stageSetUp(id, setUp(id, setup))
        case .tearDown(let id, let stage):
            switch stage {
            case .link: linkStage.tearDown()
            case .firewall: tearDownFirewall(id)
            case .sockets: socketStage.tearDown(id)
            case .children: break // stopped by signals the core sends
            }
            return nil
        case .signal(let id, let pid, let signal):
            if let child = children[pid] {
                do { try child.process.signalGroup(signal.number) } catch { logger.warning("cannot signal child \(pid): \(error)") }
            } else if !ProcessGroup.signalLeftovers(pid, signal.number) {
                // What an ended child left has gone (or was never there).
                return .leftoversGone(pid: pid)
            }
            return nil
        case .log(let entry):
            logger.log(entry)
            return nil
        case .exit:
            exitRequested = true
            return nil
        }
    }

    func setUp(_ id: InstanceID, _ setup: StageSetup) -> Result<StageOutcome, StageFailure> {
        switch setup {
        case .link(let request): linkStage.setUp(request)
        // Never reached: `perform` queues it for `flushFirewall`.
        case .firewall: .failure(StageFailure(.firewall, "internal: a firewall setup outside flushFirewall"))
        case .sockets(let request): socketStage.setUp(id, request)
        case .children(let worker, let plan): spawn(id, worker: worker, plan)
        }
    }

    /// The children stage's executor: starts the child and watches its
    /// pidfd and output pipes.
    func spawn(_ id: InstanceID, worker: Int, _ plan: LaunchPlan) -> Result<StageOutcome, StageFailure> {
        let request = SpawnRequest(argv: plan.argv, environment: plan.environment,
                                   workingDirectory: plan.workingDirectory ?? "/", user: plan.user, group: plan.group)
        let process: ChildProcess
        do {
            let sockets = try socketStage.sockets(for: id, worker: worker) { problem in
                logger.log(LogEntry(.warning, problem, binding: id.binding, devpath: supervisor.deviceFacts(id.device)?.devpath,
                                    interface: supervisor.interfaceName(id.device)))
            }
            process = try Spawner.spawn(request, passing: sockets, names: socketStage.names(for: id, count: sockets.count))
        } catch let failure as StageFailure {
            return .failure(StageFailure(.children, failure.reason, worker: worker))
        } catch {
            return .failure(StageFailure(.children, String(describing: error), worker: worker))
        }
        let child = SupervisedChild(process: process, instance: id, worker: worker, stop: plan.stop,
                                    interface: supervisor.interfaceName(id.device))
        children[process.processID] = child
        registry.record(pid: process.pid, startTick: process.startTick, binding: id.binding,
                        devpath: supervisor.deviceFacts(id.device)?.devpath ?? "", stop: child.stop, logger: logger)
        do {
            for watched in [ChildProcess.Watched.exit, .output(.standardOutput), .output(.standardError)] {
                try process.watch(watched, in: epoll, token: Token.child(process.processID, watched))
            }
        } catch {
            logger.error("cannot watch child \(process.pid): \(error)")
        }
        return .success(.children(worker: worker, pid: process.processID))
    }
}

/// A running child, how it is to be stopped, and what its output lines
/// are tagged with.
final class SupervisedChild {
    let process: ChildProcess
    let instance: InstanceID
    let worker: Int
    /// The stop sequence it was started with (the core keeps the same for
    /// the worker): what its crash record says, and what a live upgrade
    /// hands over with it.
    let stop: StopSequence
    let interface: String?
    /// How many of its output lines reach the log.
    var outputLimit = OutputRateLimit(now: MonotonicClock.now())

    init(process: ChildProcess, instance: InstanceID, worker: Int, stop: StopSequence, interface: String?) {
        self.process = process
        self.instance = instance
        self.worker = worker
        self.stop = stop
        self.interface = interface
    }
}
