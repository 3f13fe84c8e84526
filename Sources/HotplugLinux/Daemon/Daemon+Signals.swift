import Glibc
import HotplugCore

/// SIGTERM/SIGINT stop, SIGHUP reloads, SIGCHLD reaps.
extension Daemon {
    func readSignals() {
        for signal in (try? signals.read()) ?? [] {
            switch signal {
            case SIGTERM, SIGINT:
                logger.notice("received \(signal == SIGTERM ? "SIGTERM" : "SIGINT"); stopping every child")
                notifier.stopping(status: "stopping \(children.count) child(ren)")
                apply(.shutdown)
            case SIGHUP:
                reload()
            case SIGCHLD:
                reapAny()
            default:
                break
            }
        }
    }

    /// Reads the configuration again; a broken one is refused and the
    /// running one kept. Returns the problems, if any, for `hotplugd reload`.
    @discardableResult
    func reload() -> ConfigErrors? {
        notifier.reloading(status: "reloading \(options.configPath)")
        defer { notifier.readyAfterReload(status: supervisor.summary) }
        switch ConfigFiles.load(options.configPath, strict: options.strictConfig) {
        case .failure(let errors):
            logger.error("reload refused; keeping the running configuration (\(errors.diagnostics.count) error(s))")
            for diagnostic in errors.diagnostics { logger.error("\(diagnostic.description)") }
            return errors
        case .success(let configuration):
            let subsystemsChanged = configuration.monitoredSubsystems != supervisor.configuration.monitoredSubsystems
            apply(.reload(configuration))
            // Enumerate again, level-triggered: a new binding may match a
            // device that matched nothing before (and so was not kept), and
            // the new bindings may read facts the old ones did not.
            if subsystemsChanged { reopenMonitor(configuration) } else { coldplug() }
            return nil
        }
    }

    /// The kernel-side filter is fixed once installed: new subsystems need a
    /// new monitor, and a scan to catch what passed meanwhile.
    func reopenMonitor(_ configuration: Configuration) {
        do {
            let fresh = try Self.openMonitor(context, options, configuration)
            try? epoll.remove(monitor.fileDescriptor)
            monitor = fresh
            try epoll.add(monitor.fileDescriptor, token: Token.monitor, events: .readable)
            coldplug()
        } catch {
            logger.error("cannot watch the new subsystems: \(error)")
        }
    }
}
