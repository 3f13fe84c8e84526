import HotplugCore
import Logging

/// Reading the configuration again (SIGHUP, `hotplugd reload`) as a
/// component of the daemon: a broken configuration is refused and the
/// running one kept; a good one reaches the core with the devices present
/// enumerated again, and the monitor, the unmanaged marks and the firewall
/// follow it. Owns no descriptor: the monitor's replacement is the udev
/// source's, the rules the firewall keeper's.
final class ConfigurationReload<Monitor: DeviceMonitoring, Kernel: DaemonKernel> {
    let configPath: String
    /// Root's ownership and mode checks on the binding files (see ConfigFiles).
    let strict: Bool
    let supervision: DeviceSupervision<Kernel>
    let udev: UdevSource<Monitor>
    let epoll: Epoll
    let firewallKeeper: FirewallKeeper<Kernel>
    let unmanagedMarks: UnmanagedMarks?
    let notifier: any ServiceNotifying
    let logger: Logger

    var supervisor: Supervisor { supervision.supervisor }

    init(configPath: String, strict: Bool, supervision: DeviceSupervision<Kernel>, udev: UdevSource<Monitor>, epoll: Epoll,
         firewallKeeper: FirewallKeeper<Kernel>, unmanagedMarks: UnmanagedMarks?, notifier: any ServiceNotifying,
         logger: Logger) {
        self.configPath = configPath
        self.strict = strict
        self.supervision = supervision
        self.udev = udev
        self.epoll = epoll
        self.firewallKeeper = firewallKeeper
        self.unmanagedMarks = unmanagedMarks
        self.notifier = notifier
        self.logger = logger
    }

    /// Reads the configuration again; a broken one is refused and the
    /// running one kept. Returns the problems, if any, for `hotplugd reload`.
    @discardableResult
    func reload() -> ConfigErrors? {
        notifier.reloading(status: "reloading \(configPath)")
        defer { notifier.readyAfterReload(status: supervisor.summary) }
        switch ConfigFiles.load(configPath, strict: strict) {
        case .failure(let errors):
            logger.error("reload refused; keeping the running configuration (\(errors.diagnostics.count) error(s))")
            for diagnostic in errors.diagnostics { logger.error("\(diagnostic.description)") }
            return errors
        case .success(let configuration):
            let subsystemsChanged = configuration.monitoredSubsystems != supervisor.configuration.monitoredSubsystems
            // The monitor first, as at start, so nothing that happens during
            // the scan is missed. Then enumerate, level-triggered, reading what
            // the new bindings read: a new binding may match a device that
            // matched nothing before (and so was not kept), and the kept facts
            // were read for the old bindings only.
            if subsystemsChanged { reopenMonitor(configuration) }
            let marksChange = UnmanagedRules.rules(for: configuration) != UnmanagedRules.rules(for: supervisor.configuration)
            if marksChange { unmanagedMarks?.update(configuration, logger: logger) }
            supervision.apply(.reload(configuration, present: enumerateForReload(configuration)))
            if marksChange { unmanagedMarks?.markPresentDevices(of: supervisor, logger: logger) }
            firewallKeeper.configure()
            firewallKeeper.repairOnReload()
            return nil
        }
    }

    /// The devices of the old and the new subsystems, with every fact the
    /// new bindings use; nil (the kept facts are used) if enumeration fails.
    private func enumerateForReload(_ configuration: Configuration) -> [DeviceFacts]? {
        var subsystems = configuration.monitoredSubsystems
        if let old = supervisor.configuration.monitoredSubsystems { subsystems?.formUnion(old) } else { subsystems = nil }
        do {
            let present = try udev.enumerate(subsystems: subsystems)
            return supervision.present(present, needs: configuration.everyFactNeed)
        } catch {
            logger.error("enumerating devices for the reload failed: \(error); matching what was known")
            return nil
        }
    }

    /// The kernel-side filter is fixed once installed: new subsystems need a
    /// new monitor. The reload's enumeration, which follows, catches what
    /// passed meanwhile. The old monitor stays, watched, until the new one
    /// is open and watched: a failure keeps the daemon hearing the old
    /// subsystems rather than none.
    private func reopenMonitor(_ configuration: Configuration) {
        do {
            try udev.reopen(subsystems: configuration.monitoredSubsystems, in: epoll)
        } catch {
            logger.error("cannot watch the new subsystems (the old ones are still watched): \(error)")
        }
    }
}
