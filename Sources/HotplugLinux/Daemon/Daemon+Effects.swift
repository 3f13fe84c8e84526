import Glibc
import HotplugCore

/// Carries out the core's effects: each stage's setup and teardown by its
/// executor, signals to children, log lines.
extension Daemon {
    func perform(_ effect: Effect) -> Supervisor.Event? {
        switch effect {
        case .setUp(let id, let setup):
            return .stageSetUp(id, setUp(id, setup))
        case .tearDown(let id, let stage):
            switch stage {
            case .link: linkStage.tearDown()
            case .firewall: tearDownFirewall(id)
            case .children: break // stopped by signals the core sends
            }
            return nil
        case .signal(let id, let pid, let signal):
            if let child = children[pid] {
                do { try child.process.signalGroup(signal.number) } catch { logger.warning("cannot signal child \(pid): \(error)") }
            } else {
                logger.debug("no child \(pid) to signal for \(id)")
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
        case .firewall(let request): setUpFirewall(id, request)
        case .children(let plan): spawn(id, plan)
        }
    }

    /// The children stage's executor: starts the child and watches its
    /// pidfd and output pipes.
    func spawn(_ id: InstanceID, _ plan: LaunchPlan) -> Result<StageOutcome, StageFailure> {
        let request = SpawnRequest(argv: plan.argv, environment: plan.environment,
                                   workingDirectory: plan.workingDirectory ?? "/", user: plan.user, group: plan.group)
        let process: ChildProcess
        do {
            process = try Spawner.spawn(request)
        } catch {
            return .failure(StageFailure(.children, error.description))
        }
        let child = SupervisedChild(process: process, instance: id, interface: supervisor.interfaceName(id.device))
        children[process.pid] = child
        registry.record(pid: process.pid, binding: id.binding, devpath: supervisor.deviceFacts(id.device)?.devpath ?? "")
        do {
            if let pidfd = process.pidfd {
                try epoll.add(pidfd, token: Token.child(process.pid, 0), events: .readable)
            }
            if let out = process.stdoutFD { try epoll.add(out, token: Token.child(process.pid, 1), events: .readable) }
            if let err = process.stderrFD { try epoll.add(err, token: Token.child(process.pid, 2), events: .readable) }
        } catch {
            logger.error("cannot watch child \(process.pid): \(error)")
        }
        return .success(.children(pid: process.pid))
    }
}

/// A running child and what its output lines are tagged with.
final class SupervisedChild {
    let process: ChildProcess
    let instance: InstanceID
    let interface: String?

    init(process: ChildProcess, instance: InstanceID, interface: String?) {
        self.process = process
        self.instance = instance
        self.interface = interface
    }
}
