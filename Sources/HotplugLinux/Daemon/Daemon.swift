import Glibc
import HotplugCore
import Logging

/// `hotplugd run`: one thread, one epoll loop over the udev monitor, a
/// signalfd, a timerfd for the core's deadlines, and each child's pidfd and
/// output pipes. Nothing polls: an idle daemon sleeps in epoll_wait.
public final class Daemon {
    public struct Options: Sendable {
        public var configPath: String
        public var source: EventSource
        public var tag: String?
        public var receiveBufferBytes: Int32
        /// The control socket; nil serves none.
        public var socketPath: String?
        public var socketGroup: String?
        /// Root's ownership and mode checks on the binding files (see ConfigFiles).
        public var strictConfig: Bool
        /// node_exporter's textfile to keep up to date; nil writes none.
        public var metricsTextfile: String?
        /// Where `hotplugd reexec` finds the binary (the path it was started
        /// from), and the argv it passes again; nil refuses re-execs.
        public var executablePath: String?
        public var arguments: [String]
        /// The runtime udev rules file that keeps NetworkManager and networkd
        /// off the configured links (`UnmanagedRules`); nil keeps none.
        public var unmanagedRulesFile: String?

        public init(configPath: String, source: EventSource, tag: String? = nil, receiveBufferBytes: Int32 = 32 << 20,
                    socketPath: String? = nil, socketGroup: String? = nil, strictConfig: Bool = geteuid() == 0,
                    metricsTextfile: String? = nil, unmanagedRulesFile: String? = nil,
                    executablePath: String? = nil, arguments: [String] = []) {
            self.executablePath = executablePath
            self.arguments = arguments
            self.metricsTextfile = metricsTextfile
            self.unmanagedRulesFile = unmanagedRulesFile
            self.strictConfig = strictConfig
            self.configPath = configPath
            self.source = source
            self.tag = tag
            self.receiveBufferBytes = receiveBufferBytes
            self.socketPath = socketPath
            self.socketGroup = socketGroup
        }
    }

    enum Token {
        static let signals: UInt64 = 2
        static let timer: UInt64 = 3
        static let control: UInt64 = 4
        static let watchdog: UInt64 = 5
        static let reexecProbe: UInt64 = 9
        /// Every fixed token of the loop, the components' with the Daemon's
        /// own: each below 0x10, where the children's begin
        /// (`ChildrenStage.token`), and without the control connections'
        /// bit (`ControlConnections.token`).
        static var fixed: [UInt64] {
            [UdevSource.token, signals, timer, control, watchdog, FirewallKeeper<LinuxKernel>.eventsToken,
             MetricsFile<MetricsTextfile>.token, FirewallKeeper<LinuxKernel>.repairToken, reexecProbe]
        }
    }

    let options: Options
    let logger: Logger
    /// The udev monitor and enumeration.
    let udev: UdevSource
    let epoll: Epoll
    let signals: SignalFD
    let timer: TimerFD
    /// The core and the stages' executors, over the kernel `hotplugd run` built.
    let supervision: DeviceSupervision<LinuxKernel>
    var dispatch: StageDispatch { supervision.dispatch }
    var socketStage: SocketStage<LinuxSockets> { supervision.sockets }
    var firewall: FirewallBatching<FirewallKernel> { supervision.firewall }
    var firewallStage: FirewallStage<FirewallKernel> { supervision.firewallStage }
    var childrenStage: ChildrenStage<LinuxKernel> { supervision.children }
    var supervisor: Supervisor {
        get { supervision.dispatch.supervisor }
        _modify { yield &supervision.dispatch.supervisor }
        set { supervision.dispatch.supervisor = newValue }
    }
    /// The table's claim, watch and repair.
    let firewallKeeper: FirewallKeeper<LinuxKernel>
    /// What the deadline timer is set to (nil: disarmed), so that a wake-up
    /// that changes no deadline, most of them, makes no timerfd_settime.
    var armedDeadline: UInt64?
    var control: ControlServer?
    let connections: ControlConnections
    /// When the daemon started: its first image's start, kept across re-execs.
    var startedAt = WallClock.now()
    var lastReexecAt: WallClock?
    var reexecs = 0
    /// A `hotplugd reexec` waiting for the end of the loop turn (its connection).
    var pendingReexec: UInt64?
    /// A `hotplugd reexec` whose new binary is being asked (`reexec-probe`)
    /// while the loop goes on: its connection and the probe.
    var reexecProbe: (connection: UInt64, probe: ReexecProbe)?
    /// What this image found at start, if a previous image exec'ed it.
    var takeover: ReexecTakeover?
    let registry: ChildRegistry
    let notifier: any ServiceNotifying
    /// Armed only when systemd asked for WATCHDOG=1 pings.
    var watchdogTimer: TimerFD?
    /// With `--metrics-textfile`.
    let metricsFile: MetricsFile<MetricsTextfile>?
    /// With `markUnmanaged`.
    let unmanagedMarks: UnmanagedMarks?

    /// `kernel`: the machine the stages act on (`LinuxKernel`, built by
    /// `hotplugd run` before anything else is opened); `notifier`: the
    /// service manager's (`SystemdNotifier`).
    public init(options: Options, configuration: Configuration, kernel: LinuxKernel, notifier: any ServiceNotifying,
                logger: Logger,
                takeover: consuming ReexecTakeover? = nil) throws(DaemonError) {
        self.options = options
        self.takeover = takeover
        self.logger = logger
        let registry = ChildRegistry(socketPath: options.socketPath, configPath: options.configPath)
        self.registry = registry
        unmanagedMarks = options.unmanagedRulesFile.map(UnmanagedMarks.init(file:))
        self.notifier = notifier
        do {
            // Signals first: from here on SIGTERM waits for the loop instead
            // of killing the daemon with its children still running.
            signals = try SignalFD(signals: [SIGTERM, SIGINT, SIGHUP, SIGCHLD])
            epoll = try Epoll()
            timer = try TimerFD()
            connections = ControlConnections(epoll: epoll, logger: logger)
            supervision = DeviceSupervision(configuration: configuration, kernel: kernel, records: registry,
                                            epoll: epoll, logger: logger)
            udev = try UdevSource(source: options.source, tag: options.tag, receiveBufferBytes: options.receiveBufferBytes,
                                  subsystems: configuration.monitoredSubsystems)
            var adoptedLock: FirewallTableLock?
            if case .resumed(let inheritance) = self.takeover,
               let descriptor = inheritance.take(inheritance.state.firewallLockDescriptor) {
                adoptedLock = FirewallTableLock.adopting(descriptor)
                if adoptedLock == nil {
                    logger.warning("the firewall table's lock was handed over but is not held; claiming it again")
                }
            }
            firewallKeeper = FirewallKeeper(supervision: supervision, epoll: epoll, logger: logger, adoptedLock: adoptedLock)
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
        firewall.claim = { [unowned firewallKeeper] in firewallKeeper.claimTable() }
        firewall.watch = { [unowned firewallKeeper] in firewallKeeper.watch() }
    }

    /// Runs until SIGTERM or SIGINT has stopped every child.
    public func run(onReady: () -> Void = {}) throws(DaemonError) {
        do {
            try udev.watch(in: epoll)
            try epoll.add(signals, token: Token.signals, events: .readable)
            try epoll.add(timer, token: Token.timer, events: .readable)
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
            resume(inheritance)
        } else {
            if case .refused(let reason, _) = takeover {
                stopPredecessorsChildren(reason)
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
                adoptReply(reply, JSONValue.object([
                    ("ok", .bool(false)), ("outcome", .string("clean-start")),
                    ("error", .string("the new image refused the state (\(reason)); it started clean: the children were stopped and started again")),
                ]).serialized())
            }
        }
        logger.notice("ready: \(supervisor.summary)")
        notifier.ready(status: supervisor.summary)
        exportMetricsIfChanged()
        onReady()
        while !dispatch.exitRequested {
            let ready: [(token: UInt64, events: UInt32)]
            do {
                ready = try epoll.wait(timeoutMilliseconds: -1)
            } catch {
                throw DaemonError(String(describing: error))
            }
            for event in ready { dispatch(event.token) }
            dispatch.finishTurn()
            if let id = pendingReexec {
                pendingReexec = nil
                reexec(answering: id)
            }
            armTimer()
            exportMetricsIfChanged()
            // Not built when systemd is not listening: this runs right after
            // a spawn, while the new child competes for a CPU.
            if notifier.isEnabled { notifier.status(supervisor.summary) }
        }
        finishMetricsExport()
        firewallKeeper.stop()
        removeUnmanagedRules()
        registry.close()
        logger.info("all children stopped; exiting")
    }

    func dispatch(_ token: UInt64) {
        switch token {
        case UdevSource.token: readMonitor()
        case Token.signals: readSignals()
        case Token.timer:
            _ = try? timer.acknowledge()
            armedDeadline = nil // it fired: a one-shot timer is disarmed now
            apply(.tick)
        case Token.control:
            acceptConnections()
        case Token.watchdog:
            pingWatchdog()
        case FirewallKeeper<LinuxKernel>.eventsToken:
            firewallKeeper.readEvents()
        case FirewallKeeper<LinuxKernel>.repairToken:
            firewallKeeper.repairNow()
        case Token.reexecProbe:
            reexecProbeReady()
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
            if let wanted {
                try timer.arm(deadlineNanoseconds: wanted)
            } else {
                try timer.disarm()
            }
            armedDeadline = wanted
        } catch {
            logger.error("cannot arm the deadline timer: \(error)")
        }
    }
}

public struct DaemonError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
