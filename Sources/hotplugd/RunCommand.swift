import ArgumentParser
import Glibc
import HotplugCore
import HotplugLinux
import Logging

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the supervisor in the foreground.",
        discussion: """
            Renames and configures matching network interfaces and runs each binding's child while \
            its device is present. SIGHUP reloads the bindings; SIGTERM or SIGINT stops every child and exits.
            """)

    @OptionGroup var options: ConfigOption

    @Option(help: ArgumentHelp("udev (after udevd's rules) or kernel (raw uevents: no udev properties, lowest latency). Default: udev where udevd runs.", valueName: "source"))
    var source: EventSource?

    @Option(help: ArgumentHelp("Only devices udev tagged with this tag (see rules.d/80-hotplugd.rules).", valueName: "tag"))
    var tag: String?

    @OptionGroup var socket: SocketOption

    @Option(name: .customLong("socket-group"), help: ArgumentHelp("Group that may use the control socket (mode 0660).", valueName: "group"))
    var socketGroup: String?

    @Option(name: .customLong("metrics-textfile"),
            help: ArgumentHelp("Keep the metrics in this file, for node_exporter's textfile collector (a *.prom file in its --collector.textfile.directory); replaced atomically after changes, at most once a second.", valueName: "path"))
    var metricsTextfile: String?

    @Option(name: .customLong("unmanaged-rules"),
            help: ArgumentHelp("The udev rules file that keeps NetworkManager and systemd-networkd off the links the bindings configure (a *.rules name in /run/udev/rules.d), or 'none'. Default: \(UnmanagedRules.directory)/\(UnmanagedRules.fileName) as root, none otherwise.", valueName: "file"))
    var unmanagedRules: String?

    @Option(name: .customLong("receive-buffer"), help: .hidden)
    var receiveBuffer: Int32 = 32 << 20

    /// Options are checked before anything starts: a bad one used to start
    /// a daemon that then failed to enumerate and ignored every device.
    func validate() throws {
        if let tag, let problem = UdevRulesGenerator.tagProblem(tag) {
            throw ValidationError("--tag: \(problem)")
        }
        if receiveBuffer <= 0 {
            throw ValidationError("--receive-buffer must be a positive number of bytes")
        }
        if let unmanagedRules, unmanagedRules != "none", UnmanagedRules.fileProblem(unmanagedRules) != nil {
            throw ValidationError("--unmanaged-rules: \(UnmanagedRules.fileProblem(unmanagedRules)!)")
        }
        if let metricsTextfile, metricsTextfile.isEmpty || metricsTextfile.hasSuffix("/") {
            throw ValidationError("--metrics-textfile names a file, not a directory")
        }
    }

    func run() throws {
        // The journal with structured fields under systemd, plain lines otherwise.
        LogBackend.bootstrap()
        let logger = Logger(label: "hotplugd")
        let (loaded, warnings) = options.loadWithWarnings(source: self.source ?? .automatic)
        let configuration = try ConfigOption.orExit(loaded,
            refusal: "hotplugd: not starting: the configuration has errors (see `hotplugd check --config \(options.config)`)")
        for warning in warnings { logger.warning("\(warning)") }
        if !Capabilities.effective(.networkAdmin) {
            logger.warning("running without CAP_NET_ADMIN: renaming and configuring links will fail")
        }
        let source = self.source ?? .automatic
        if self.source == nil, source == .kernel, UdevContext.controlSocketExists {
            logger.warning("systemd-udevd is not answering (\(UdevContext.controlSocket) is left over from one that stopped); using the kernel's events")
        }
        if let metricsTextfile, !metricsTextfile.hasSuffix(".prom") {
            logger.warning("--metrics-textfile \(metricsTextfile): node_exporter's textfile collector reads only *.prom files")
        }
        if tag != nil && source == .kernel {
            printError("hotplugd: --tag needs the udev source: the kernel's events carry no udev tags, so nothing would ever match")
            throw ExitCode(1)
        }
        // Before anything is opened: a refused state's descriptors close here.
        let takeover = ReexecTakeover.fromEnvironment(configuration: configuration)
        do {
            let kernel: LinuxKernel
            do { kernel = try LinuxKernel() } catch { throw DaemonError(String(describing: error)) }
            let daemon = try Daemon(
                options: Daemon.Options(configPath: options.config, source: source, tag: tag, receiveBufferBytes: receiveBuffer,
                                       socketPath: AbsolutePath.anchored(socket.path), socketGroup: socketGroup,
                                       strictConfig: geteuid() == 0 && !options.allowInsecureConfig,
                                       metricsTextfile: metricsTextfile.map(AbsolutePath.anchored),
                                       unmanagedRulesFile: unmanagedRulesFile,
                                       executablePath: CommandLine.arguments.first.flatMap(ReexecExec.startedFrom),
                                       arguments: CommandLine.arguments),
                configuration: configuration, kernel: kernel,
                notifier: SystemdNotifier(logger: logger), logger: logger, takeover: takeover)
            // After the socket check (which names a daemon on the same
            // socket), before anything is renamed or started.
            let lock = try ConfigLock.acquire(options.config)
            try withExtendedLifetime(lock) { try daemon.run() }
        } catch {
            printError("hotplugd: \(error)")
            throw ExitCode(1)
        }
    }

    /// nil: no file. Only root can write udev's runtime rules directory.
    var unmanagedRulesFile: String? {
        switch unmanagedRules {
        case "none": nil
        case let path?: path
        case nil: geteuid() == 0 ? UnmanagedRules.directory + "/" + UnmanagedRules.fileName : nil
        }
    }
}
