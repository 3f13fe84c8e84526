import Glibc
import HotplugCore

/// Carries out the core's effects.
extension Daemon {
    func perform(_ effect: Effect) -> Supervisor.Event? {
        switch effect {
        case .configureLink(let device, let request):
            let result = LinkConfigurator(netlink: netlink).apply(request) { InterfaceNames.present() }
            return .linkConfigured(device, result)
        case .spawn(let id, let plan):
            return spawn(id, plan)
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

    func spawn(_ id: InstanceID, _ plan: LaunchPlan) -> Supervisor.Event {
        let request = SpawnRequest(argv: plan.argv, environment: plan.environment,
                                   workingDirectory: plan.workingDirectory ?? "/", user: plan.user, group: plan.group)
        let process: ChildProcess
        do {
            process = try Spawner.spawn(request)
        } catch {
            return .spawnFailed(id, error.description)
        }
        let child = SupervisedChild(process: process, instance: id, interface: supervisor.interfaceName(id.device))
        children[process.pid] = child
        registry.record(pid: process.pid, binding: id.binding, devpath: supervisor.deviceFacts(id.device)?.devpath ?? "")
        do {
            for watched in [ChildProcess.Watched.exit, .output(.standardOutput), .output(.standardError)] {
                try process.watch(watched, in: epoll, token: Token.child(process.pid, watched))
            }
        } catch {
            logger.error("cannot watch child \(process.pid): \(error)")
        }
        return .childStarted(id, pid: process.pid)
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
