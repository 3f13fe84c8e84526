import Glibc
import HotplugCore
import Logging

/// `hotplugd run`: the real machine's wake-ups and kernel, opened and
/// injected into the loop (`DaemonLoop`): one thread, one epoll loop over
/// the udev monitor, a signalfd, a timerfd for the core's deadlines, and
/// each child's pidfd and output pipes. Nothing polls: an idle daemon
/// sleeps in epoll_wait.
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
            [UdevSource<LinuxDeviceMonitor>.token, signals, timer, control, watchdog, FirewallKeeper<LinuxKernel>.eventsToken,
             MetricsFile<MetricsTextfile>.token, FirewallKeeper<LinuxKernel>.repairToken, reexecProbe]
        }
    }

    /// The loop and its components on the real machine.
    let loop: DaemonLoop<LinuxWakeups, LinuxKernel>

    /// `kernel`: the machine the stages act on (`LinuxKernel`, built by
    /// `hotplugd run` before anything else is opened); `notifier`: the
    /// service manager's (`SystemdNotifier`). The wake-ups (`LinuxWakeups`:
    /// the signalfd first, then epoll, the deadline timer and the udev
    /// monitor) and the crash-recovery records (`ChildRegistry`) are
    /// opened here and injected into the loop.
    public init(options: Options, configuration: Configuration, kernel: LinuxKernel, notifier: any ServiceNotifying,
                logger: Logger,
                takeover: consuming ReexecTakeover? = nil) throws(DaemonError) {
        let registry = ChildRegistry(socketPath: options.socketPath, configPath: options.configPath)
        let wakeups: LinuxWakeups
        do {
            wakeups = try LinuxWakeups(source: options.source, tag: options.tag, receiveBufferBytes: options.receiveBufferBytes,
                                       subsystems: configuration.monitoredSubsystems)
        } catch {
            throw DaemonError(String(describing: error))
        }
        loop = try DaemonLoop(options: options, configuration: configuration, kernel: kernel, wakeups: wakeups,
                              registry: registry, notifier: notifier, logger: logger, takeover: takeover)
    }

    /// Runs until SIGTERM or SIGINT has stopped every child.
    public func run(onReady: () -> Void = {}) throws(DaemonError) {
        try loop.run(onReady: onReady)
    }

    static func failure(_ message: String) -> String {
        JSONValue.object([("ok", .bool(false)), ("error", .string(message))]).serialized()
    }

    public static let version = "0.1.0"

    /// The match latency ends inside the core, which reads this clock there.
    static var metricsClock: @Sendable () -> Instant {
        { Instant(nanoseconds: MonotonicClock.now()) }
    }
}

public struct DaemonError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
