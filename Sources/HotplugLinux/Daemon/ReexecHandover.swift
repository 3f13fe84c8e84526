import Glibc
import HotplugCore
import Logging

/// `hotplugd reexec` as a component of the daemon: the old image's half
/// (check, probe, write the state, execve) and the new image's (take the
/// state over, reconcile the gap, answer the requester), or its clean
/// start when it refused the state. Owns the re-exec under way (the
/// request, the probe and its token) and what crosses every re-exec (when
/// the daemon started, how often and when it was re-executed); the state
/// it hands over is the other components'.
final class ReexecHandover<Wakeups: LoopWakeups, Kernel: DaemonKernel> {
    typealias Token = Daemon.Token

    let options: Daemon.Options
    let logger: Logger
    let epoll: Epoll
    let supervision: DeviceSupervision<Kernel>
    let firewallKeeper: FirewallKeeper<Kernel>
    let connections: ControlConnections
    /// The loop's listening socket, whose descriptor the new image takes over.
    let control: ControlServer?
    let registry: any ChildRecovery
    let notifier: any ServiceNotifying
    /// Enumerates what is present and reconciles (the loop's).
    var coldplug: () -> Void = {}

    /// When the daemon started: its first image's start, kept across re-execs.
    var startedAt = WallClock.now()
    var lastReexecAt: WallClock?
    var reexecs = 0
    /// A `hotplugd reexec` waiting for the end of the loop turn (its connection).
    var pendingReexec: UInt64?
    /// A `hotplugd reexec` whose new binary is being asked (`reexec-probe`)
    /// while the loop goes on: its connection and the probe.
    var reexecProbe: (connection: UInt64, probe: ReexecProbe)?

    init(options: Daemon.Options, logger: Logger, epoll: Epoll, supervision: DeviceSupervision<Kernel>,
         firewallKeeper: FirewallKeeper<Kernel>, connections: ControlConnections, control: ControlServer?,
         registry: any ChildRecovery, notifier: any ServiceNotifying) {
        self.options = options
        self.logger = logger
        self.epoll = epoll
        self.supervision = supervision
        self.firewallKeeper = firewallKeeper
        self.connections = connections
        self.control = control
        self.registry = registry
        self.notifier = notifier
    }

    var dispatch: StageDispatch { supervision.dispatch }
    var socketStage: SocketStage<Kernel.Sockets> { supervision.sockets }
    var firewallStage: FirewallStage<Kernel.Firewall> { supervision.firewallStage }
    var childrenStage: ChildrenStage<Kernel> { supervision.children }
    var supervisor: Supervisor {
        get { supervision.supervisor }
        _modify { yield &supervision.supervisor }
        set { supervision.supervisor = newValue }
    }

    static func failure(_ message: String) -> String { Daemon.failure(message) }

    /// At the end of a loop turn: the exec a passed probe is waiting for.
    func reexecIfPending() {
        if let id = pendingReexec {
            pendingReexec = nil
            reexec(answering: id)
        }
    }

    /// The request's first half, while the loop goes on: what would refuse
    /// it now, then the new binary's `reexec-probe`, whose answer arrives
    /// under `Token.reexecProbe`. The pause starts only once it has passed.
    func beginReexec(answering connectionID: UInt64) {
        if let refusal = reexecRefusal() {
            logger.error("re-exec refused: \(refusal); carrying on")
            respond(connectionID, Self.failure("not re-executed: \(refusal); the running daemon carries on"))
            return
        }
        guard reexecProbe == nil, pendingReexec == nil else {
            respond(connectionID, Self.failure("not re-executed: another re-exec is under way; the running daemon carries on"))
            return
        }
        guard let path = options.executablePath else { return }
        switch ReexecProbe.start(path) {
        case .failure(let problem):
            logger.error("re-exec refused: \(problem); carrying on")
            respond(connectionID, Self.failure("not re-executed: \(problem); the running daemon carries on"))
        case .success(let probe):
            do {
                try probe.watch(in: epoll, token: Token.reexecProbe)
            } catch {
                probe.unwatch(from: epoll)
                respond(connectionID, Self.failure("not re-executed: cannot watch the probe (\(error)); the running daemon carries on"))
                return
            }
            reexecProbe = (connectionID, probe)
        }
    }

    /// The probe wrote, ended or ran out of time.
    func reexecProbeReady() {
        guard let (connectionID, probe) = reexecProbe, let verdict = probe.poll() else { return }
        probe.unwatch(from: epoll)
        reexecProbe = nil
        switch verdict {
        case .passed:
            pendingReexec = connectionID
        case .failed(let problem):
            logger.error("re-exec refused: \(problem); carrying on")
            respond(connectionID, Self.failure("not re-executed: \(problem); the running daemon carries on"))
        }
    }

    /// Called between loop turns, when no setup is in flight and the new
    /// binary's probe has passed: from here the loop answers nothing until
    /// the new image does. Returns only if the exec did not happen; the
    /// requester is then told why, and this image carries on as before.
    func reexec(answering connectionID: UInt64) {
        let began = MonotonicClock.now()
        guard let connection = connections[connectionID] else { return }
        // Again: a reload or an edit may have come between the probe and now.
        if let refusal = reexecRefusal() {
            logger.error("re-exec refused: \(refusal); carrying on")
            respond(connectionID, Self.failure("not re-executed: \(refusal); the running daemon carries on"))
            return
        }
        guard let path = options.executablePath else { return }
        let checked = MonotonicClock.now()
        let state = reexecState(began: began)
        let file: ReexecStateFile
        do {
            file = try ReexecStateFile(writing: state.serialized())
        } catch {
            respond(connectionID, Self.failure("not re-executed: \(error); the running daemon carries on"))
            return
        }
        let written = MonotonicClock.now()
        let reply = try? connection.withWatchedDescriptor { $0.rawValue }
        let kept = state.descriptors + [file.descriptor.rawValue] + (reply.map { [$0] } ?? [])
        logger.notice("re-executing \(path) with \(state.children.count) child(ren) and \(kept.count) descriptor(s) kept")
        logger.debug("re-exec, old image: bindings checked in \((checked &- began) / 1000) us, state built and written in \((written &- checked) / 1000) us")
        // The new image pings at its READY=1: the deadline must not have
        // run since the last timer ping, up to an interval ago.
        notifier.watchdogPing()
        notifier.reloading(status: "re-executing \(path)")
        var failure = ReexecDescriptors.keepAcrossExec(kept, true)
        if failure == nil {
            failure = ReexecExec.exec(path, arguments: options.arguments, state: file.descriptor.rawValue, reply: reply,
                                      handed: state.descriptors + [file.descriptor.rawValue])
        }
        _ = ReexecDescriptors.keepAcrossExec(kept, false)
        let reason = "execve \(path): \(errnoText(failure ?? 0))"
        logger.error("re-exec failed: \(reason); carrying on")
        notifier.readyAfterReload(status: supervisor.summary)
        respond(connectionID, Self.failure("not re-executed: \(reason); the running daemon carries on"))
    }

    /// Why the state cannot be handed over now; nil when it can.
    func reexecRefusal() -> String? {
        if let refusal = supervisor.reexecRefusal { return refusal }
        guard options.executablePath != nil, !options.arguments.isEmpty else {
            return "the daemon does not know the path it was started from"
        }
        // The new image loads the bindings from disk and takes the state
        // over against them: they must be the ones running.
        switch ConfigFiles.load(options.configPath, strict: options.strictConfig) {
        case .failure: return "the bindings on disk have errors; fix them first (hotplugd check)"
        case .success(let configuration) where configuration != supervisor.configuration:
            return "the bindings on disk differ from the running ones; run `hotplugd reload` first"
        case .success: return nil
        }
    }

    func reexecState(began: UInt64) -> ReexecState {
        let childList = childrenStage.reexecEntries
        let now = WallClock.now()
        return ReexecState(
            supervisor: supervisor, startedAtUnixNanoseconds: startedAt.unixNanoseconds,
            lastReexecUnixNanoseconds: now.unixNanoseconds, reexecs: reexecs + 1, beganAt: Instant(nanoseconds: began),
            children: childList, sockets: socketStage.reexecEntries,
            firewall: firewallStage.installed.sorted { $0.key < $1.key }.map { ReexecState.FirewallEntry(attachment: $0.key, ifindex: $0.value.ifindex) },
            firewallWritten: firewallStage.written != nil,
            controlDescriptor: control.flatMap { try? $0.withWatchedDescriptor { $0.rawValue } },
            firewallLockDescriptor: firewallKeeper.lock?.descriptorNumber)
    }

    func respond(_ connectionID: UInt64, _ text: String) {
        connections.respond(connectionID, text)
    }

    /// The new image's start from the state: the same children (watched
    /// again: one that exited in the gap is reaped on the first turn), the
    /// same sockets and rules; then what changed meanwhile is enumerated.
    func resume(_ inheritance: ReexecInheritance) {
        let resumed = MonotonicClock.now()
        let state = inheritance.state
        // The counters go on from the old image's (a version 1 state has
        // none: zero); the clock is this image's.
        var metrics = supervisor.metrics
        metrics.takeCounters(from: state.supervisor.metrics)
        supervisor = state.supervisor
        supervisor.metrics = metrics
        startedAt = WallClock(unixNanoseconds: state.startedAtUnixNanoseconds)
        lastReexecAt = state.lastReexecUnixNanoseconds.map(WallClock.init(unixNanoseconds:))
        reexecs = state.reexecs
        for inherited in state.children { childrenStage.adopt(inherited) { inheritance.take($0) } }
        for entry in state.sockets where !socketStage.adopt(entry, take: { inheritance.take($0) }) {
            logger.error("sockets of \(entry.attachment.binding) were not all handed over")
        }
        var installed: [AttachmentID: (ifindex: Int32, binding: String)] = [:]
        for entry in state.firewall { installed[entry.attachment] = (entry.ifindex, entry.attachment.binding) }
        firewallStage.restore(installed, tableKnown: state.firewallWritten)
        inheritance.closeUntaken()
        let adopted = MonotonicClock.now()
        firewallKeeper.configure()
        let configured = MonotonicClock.now()
        coldplug()
        let enumerated = MonotonicClock.now()
        dispatch.finishTurn()
        firewallKeeper.start()
        let done = MonotonicClock.now()
        let gap = (done &- state.beganAt.nanoseconds) / 1000
        logger.debug("re-exec, new image: pause to state read \((inheritance.readAt &- state.beganAt.nanoseconds) / 1000) us, state parsed in \((inheritance.parsedAt &- inheritance.readAt) / 1000) us, then daemon set up in \((resumed &- inheritance.parsedAt) / 1000) us, children and sockets adopted in \((adopted &- resumed) / 1000) us, firewall configured in \((configured &- adopted) / 1000) us, devices enumerated in \((enumerated &- configured) / 1000) us, firewall flushed and watched in \((done &- enumerated) / 1000) us")
        logger.notice("re-executed: took over \(state.children.count) child(ren) in \(gap) us; \(supervisor.summary)")
        if let reply = inheritance.reply {
            inheritance.reply = nil
            adoptReply(reply, JSONValue.object([
                ("ok", .bool(true)), ("outcome", .string("reexecuted")), ("pid", .int(Int64(getpid()))),
                ("children", .int(Int64(state.children.count))), ("gap_us", .int(Int64(clamping: gap))),
            ]).serialized())
        }
    }

    /// The new image refused the state: the children the old one ran are
    /// stopped like a crashed daemon's (their records name this process,
    /// which is the same one), their exits collected, and the start goes on
    /// as a clean one.
    func stopPredecessorsChildren(_ reason: String) {
        logger.error("the re-exec state was refused (\(reason)); stopping the previous image's children and starting clean")
        registry.stopLeftovers(logger: logger, includingOwn: true)
        var status: Int32 = 0
        while waitpid(-1, &status, WNOHANG) > 0 {}
    }

    /// The requester's connection, carried across the exec: answered, and
    /// flushed by the loop if the client reads slowly.
    func adoptReply(_ connection: ControlConnection, _ text: String) {
        connections.adopt(connection, answer: text)
    }
}

extension WallClock {
    var unixNanoseconds: Int64 { Int64(seconds) * 1_000_000_000 + Int64(nanoseconds) }

    init(unixNanoseconds: Int64) {
        self.init(seconds: Int(unixNanoseconds / 1_000_000_000), nanoseconds: Int(unixNanoseconds % 1_000_000_000))
    }
}
