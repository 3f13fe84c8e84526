import Glibc
import HotplugCore
import Logging

/// The daemon's one thread: the loop over what `Wakeups` reports ready,
/// each token to the component that owns it, and the components
/// themselves. What touches the machine is behind two seams, injected at
/// start: `Wakeups` (epoll, the signals, the deadline timer, the udev
/// monitor; `LinuxWakeups`) and `Kernel` (links, nftables, processes,
/// sockets, the clock; `LinuxKernel`). `Daemon` builds the real ones;
/// `DaemonLoopTests` drive this loop on fakes, without root. Nothing
/// polls: an idle daemon sleeps in `wakeups.wait()`.
///
/// Generic, not existential: `Daemon` holds `DaemonLoop<LinuxWakeups,
/// LinuxKernel>`, specialised in this module, so a wake-up's path (wait,
/// dispatch, a device read, its stages) pays no dynamic dispatch for the seams.
final class DaemonLoop<Wakeups: LoopWakeups, Kernel: DaemonKernel> {
    typealias Token = Daemon.Token

    let options: Daemon.Options
    let logger: Logger
    let wakeups: Wakeups
    var epoll: Epoll { wakeups.epoll }
    /// The udev monitor and enumeration.
    let udev: UdevSource<Wakeups.Monitor>
    /// The core and the stages' executors, over the kernel given.
    let supervision: DeviceSupervision<Kernel>
    var dispatch: StageDispatch { supervision.dispatch }
    var socketStage: SocketStage<Kernel.Sockets> { supervision.sockets }
    var firewall: FirewallBatching<Kernel.Firewall> { supervision.firewall }
    var firewallStage: FirewallStage<Kernel.Firewall> { supervision.firewallStage }
    var childrenStage: ChildrenStage<Kernel> { supervision.children }
    var supervisor: Supervisor {
        get { supervision.dispatch.supervisor }
        _modify { yield &supervision.dispatch.supervisor }
        set { supervision.dispatch.supervisor = newValue }
    }
    /// The table's claim, watch and repair.
    let firewallKeeper: FirewallKeeper<Kernel>
    /// SIGHUP and `hotplugd reload`.
    let configurationReload: ConfigurationReload<Wakeups.Monitor, Kernel>
    /// SIGTERM, SIGINT, SIGHUP, SIGCHLD.
    let signals: DaemonSignals<Wakeups.Monitor, Kernel>
    /// What the deadline timer is set to (nil: disarmed), so that a wake-up
    /// that changes no deadline, most of them, makes no timerfd_settime.
    var armedDeadline: UInt64?
    var control: ControlServer?
    let connections: ControlConnections
    /// `hotplugd reexec`, both halves.
    let reexec: ReexecHandover<Wakeups, Kernel>
    var startedAt: WallClock { reexec.startedAt }
    var lastReexecAt: WallClock? { reexec.lastReexecAt }
    var reexecs: Int { reexec.reexecs }
    /// What this image found at start, if a previous image exec'ed it.
    var takeover: ReexecTakeover?
    let registry: any ChildRecovery
    let notifier: any ServiceNotifying
    /// Armed only when systemd asked for WATCHDOG=1 pings.
    var watchdogTimer: TimerFD?
    /// With `--metrics-textfile`.
    let metricsFile: MetricsFile<MetricsTextfile>?
    /// With `markUnmanaged`.
    let unmanagedMarks: UnmanagedMarks?

    /// `wakeups` opened its signalfd first of all (see `LinuxWakeups`);
    /// `registry`: the crash-recovery records (`ChildRegistry`);
    /// `notifier`: the service manager's (`SystemdNotifier`).
    init(options: Daemon.Options, configuration: Configuration, kernel: Kernel, wakeups: Wakeups,
         registry: any ChildRecovery, notifier: any ServiceNotifying, logger: Logger,
         takeover: consuming ReexecTakeover? = nil) throws(DaemonError) {
        self.options = options
        self.takeover = takeover
        self.logger = logger
        self.wakeups = wakeups
        self.registry = registry
        unmanagedMarks = options.unmanagedRulesFile.map(UnmanagedMarks.init(file:))
        self.notifier = notifier
        let epoll = wakeups.epoll
        connections = ControlConnections(epoll: epoll, logger: logger)
        supervision = DeviceSupervision(configuration: configuration, kernel: kernel, records: registry,
                                        epoll: epoll, logger: logger)
        udev = UdevSource(monitor: wakeups.monitor)
        var adoptedLock: FirewallTableLock?
        if case .resumed(let inheritance) = self.takeover,
           let descriptor = inheritance.take(inheritance.state.firewallLockDescriptor) {
            adoptedLock = FirewallTableLock.adopting(descriptor)
            if adoptedLock == nil {
                logger.warning("the firewall table's lock was handed over but is not held; claiming it again")
            }
        }
        firewallKeeper = FirewallKeeper(supervision: supervision, epoll: epoll, logger: logger, adoptedLock: adoptedLock)
        configurationReload = ConfigurationReload(
            configPath: options.configPath, strict: options.strictConfig, supervision: supervision, udev: udev,
            epoll: epoll, firewallKeeper: firewallKeeper, unmanagedMarks: unmanagedMarks, notifier: notifier, logger: logger)
        signals = DaemonSignals(supervision: supervision, reload: configurationReload, notifier: notifier, logger: logger)
        do {
            if let path = options.socketPath {
                if case .resumed(let inheritance) = self.takeover, let descriptor = inheritance.take(inheritance.state.controlDescriptor) {
                    control = try ControlServer(adopting: descriptor, path: path)
                } else {
                    control = try ControlServer(path: path, group: options.socketGroup)
                }
            }
            metricsFile = try options.metricsTextfile.map { path throws(DaemonError) in
                do {
                    return try MetricsFile(textfile: try MetricsTextfile(path: path), logger: logger)
                } catch {
                    throw DaemonError("--metrics-textfile: \(error)")
                }
            }
        } catch {
            throw DaemonError(String(describing: error))
        }
        reexec = ReexecHandover(options: options, logger: logger, epoll: epoll, supervision: supervision,
                                firewallKeeper: firewallKeeper, connections: connections, control: control,
                                registry: registry, notifier: notifier)
        reexec.coldplug = { [unowned self] in coldplug() }
        firewall.claim = { [unowned firewallKeeper] in firewallKeeper.claimTable() }
        firewall.watch = { [unowned firewallKeeper] in firewallKeeper.watch() }
    }

    /// Runs until SIGTERM or SIGINT has stopped every child.
    func run(onReady: () -> Void = {}) throws(DaemonError) {
        try start(onReady: onReady)
        while !dispatch.exitRequested {
            try turn()
        }
        finish()
    }

    /// Everything before the first wait: the wake-ups watched, the table
    /// claimed, the devices present bound (or a previous image's state
    /// taken over), READY=1.
    func start(onReady: () -> Void = {}) throws(DaemonError) {
        do {
            try udev.watch(in: epoll)
            try wakeups.watchSignalsAndDeadline()
            if let control { try epoll.add(control, token: Token.control, events: .readable) }
            try metricsFile?.watch(in: epoll)
            if let interval = notifier.watchdogInterval {
                let watchdog = try TimerFD()
                try epoll.add(watchdog, token: Token.watchdog, events: .readable)
                try watchdog.arm(deadlineNanoseconds: MonotonicClock.now() + interval)
                watchdogTimer = watchdog
            }
        } catch {
            throw DaemonError(String(describing: error))
        }
        // Before anything is stopped, renamed or started: a second daemon
        // in this network namespace would take the first one's rules away.
        if firewallKeeper.configurationUsesFirewall, let refusal = firewallKeeper.claimTable() { throw DaemonError(refusal.description) }
        logger.info("starting: \(options.source.rawValue) source, \(supervisor.configuration.bindings.count) binding(s) from \(options.configPath)")
        registry.prepare(logger: logger)
        let takeover = self.takeover
        self.takeover = nil
        if case .resumed(let inheritance) = takeover {
            reexec.resume(inheritance)
        } else {
            if case .refused(let reason, _) = takeover {
                reexec.stopPredecessorsChildren(reason)
            } else {
                registry.stopLeftovers(logger: logger)
            }
            // The monitor is already listening, so a device that appears during
            // the scan is seen by one or both; the core binds it once either way.
            writeUnmanagedRules()
            firewallKeeper.configure()
            do {
                try enumeratePresent(atStart: true)
            } catch {
                throw DaemonError("cannot enumerate the devices present (\(error)); not starting, since every device present would be ignored")
            }
            markPresentDevices()
            dispatch.finishTurn()
            firewallKeeper.start()
            if case .refused(let reason, let reply?) = takeover {
                reexec.adoptReply(reply, JSONValue.object([
                    ("ok", .bool(false)), ("outcome", .string("clean-start")),
                    ("error", .string("the new image refused the state (\(reason)); it started clean: the children were stopped and started again")),
                ]).serialized())
            }
        }
        logger.notice("ready: \(supervisor.summary)")
        notifier.ready(status: supervisor.summary)
        // systemd's watchdog deadline runs from the last ping of this
        // process, which after a re-exec was the old image's, up to an
        // interval before the exec: ping now, not an interval from now (a
        // slow take-over, 8 s under TCG, got the new image killed).
        if notifier.watchdogInterval != nil { notifier.watchdogPing() }
        exportMetricsIfChanged()
        onReady()
    }

    /// One wait and what it woke: each ready token to its owner, then the
    /// end of the turn (held-back answers, a pending re-exec, the timer,
    /// the metrics, the status line).
    func turn() throws(DaemonError) {
        let ready: [(token: UInt64, events: UInt32)]
        do {
            ready = try wakeups.wait()
        } catch {
            throw DaemonError(String(describing: error))
        }
        for event in ready { dispatch(event.token) }
        dispatch.finishTurn()
        reexec.reexecIfPending()
        armTimer()
        exportMetricsIfChanged()
        // Not built when systemd is not listening: this runs right after
        // a spawn, while the new child competes for a CPU.
        if notifier.isEnabled { notifier.status(supervisor.summary) }
    }

    /// Every child has stopped: what is left to put away before the exit.
    func finish() {
        finishMetricsExport()
        firewallKeeper.stop()
        removeUnmanagedRules()
        registry.close()
        logger.info("all children stopped; exiting")
    }

    func dispatch(_ token: UInt64) {
        switch token {
        case UdevSource<Wakeups.Monitor>.token: readMonitor()
        case Token.signals: signals.handle((try? wakeups.receivedSignals()) ?? [])
        case Token.timer:
            wakeups.acknowledgeDeadline()
            armedDeadline = nil // it fired: a one-shot timer is disarmed now
            apply(.tick)
        case Token.control:
            acceptConnections()
        case Token.watchdog:
            pingWatchdog()
        case FirewallKeeper<Kernel>.eventsToken:
            firewallKeeper.readEvents()
        case FirewallKeeper<Kernel>.repairToken:
            firewallKeeper.repairNow()
        case Token.reexecProbe:
            reexec.reexecProbeReady()
        case MetricsFile<MetricsTextfile>.token:
            metricsFile?.timerFired()
        case _ where ControlConnections.connectionID(token) != nil:
            serveConnection(token & ControlConnections.tokenIDs)
        default:
            childrenStage.ready(token)
        }
    }

    /// Feeds one event to the core and carries out what it asks (see `StageDispatch`).
    func apply(_ event: Supervisor.Event, arrivedAt: UInt64? = nil) {
        dispatch.apply(event, arrivedAt: arrivedAt)
    }

    /// Reads the configuration again (see `ConfigurationReload`); the
    /// problems, if any, for `hotplugd reload`.
    @discardableResult
    func reload() -> ConfigErrors? {
        configurationReload.reload()
    }

    /// Pinged from the loop itself, so a wedged loop stops the pings and
    /// systemd restarts us.
    func pingWatchdog() {
        guard let watchdogTimer, let interval = notifier.watchdogInterval else { return }
        _ = try? watchdogTimer.acknowledge()
        notifier.watchdogPing()
        try? watchdogTimer.arm(deadlineNanoseconds: MonotonicClock.now() + interval)
    }

    func armTimer() {
        let wanted = supervisor.nextDeadline.map { max($0.nanoseconds, 1) }
        guard wanted != armedDeadline else { return }
        do {
            try wakeups.setDeadline(wanted)
            armedDeadline = wanted
        } catch {
            logger.error("cannot arm the deadline timer: \(error)")
        }
    }

    static func failure(_ message: String) -> String { Daemon.failure(message) }
    static var version: String { Daemon.version }
    static var metricsClock: @Sendable () -> Instant { Daemon.metricsClock }
}
