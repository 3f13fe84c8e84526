import Glibc
import HotplugCore
import Logging

/// The children stage's executor: spawns each worker's child with its
/// sockets, keeps the table of running children (their pidfds and output
/// pipes watched in the loop), reaps them, logs their output within its
/// rate, and signals them. It owns the child tokens of the loop.
final class ChildrenStage<Kernel: DaemonKernel>: StageExecutor {
    typealias Child = SupervisedChild<Kernel.Processes.Child>

    /// What the stage needs to know of a device to tag its log lines.
    struct DeviceNames {
        var devpath: String?
        var interface: String?
    }

    let epoll: Epoll
    let processes: Kernel.Processes
    let registry: any ChildRecording
    let sockets: SocketStage<Kernel.Sockets>
    let logger: Logger
    let clock: () -> UInt64
    /// The device's names as the core knows them now.
    let names: (AttachmentID) -> DeviceNames
    /// Where child exits go (the core, through the daemon).
    var onEvent: (Supervisor.Event) -> Void = { _ in }
    private(set) var children: [ProcessID: Child] = [:]

    init(epoll: Epoll, processes: Kernel.Processes, registry: any ChildRecording, sockets: SocketStage<Kernel.Sockets>,
         logger: Logger, clock: @escaping () -> UInt64, names: @escaping (AttachmentID) -> DeviceNames) {
        self.epoll = epoll
        self.processes = processes
        self.registry = registry
        self.sockets = sockets
        self.logger = logger
        self.clock = clock
        self.names = names
    }

    var count: Int { children.count }

    // Tokens: pid << 8 | 0x10 | what (0 exit, 1 stdout, 2 stderr); the
    // loop's own tokens are below 0x10 and the connections' have bit 40.
    static func token(_ pid: ProcessID, _ watched: ChildProcess.Watched) -> UInt64 {
        let what: UInt64 = switch watched {
        case .exit: 0
        case .output(.standardOutput): 1
        case .output(.standardError): 2
        }
        return UInt64(UInt32(bitPattern: pid.rawValue)) << 8 | 0x10 | what
    }

    /// One of this stage's tokens became ready.
    func ready(_ token: UInt64) {
        let pid = ProcessID(Int32(bitPattern: UInt32(truncatingIfNeeded: token >> 8)))
        switch token & 0xf {
        case 0: reap(pid)
        case 1: drainOutput(pid, .standardOutput)
        default: drainOutput(pid, .standardError)
        }
    }

    func setUp(_ id: AttachmentID, _ setup: StageSetup) -> Result<StageOutcome, StageFailure>? {
        guard case .children(let worker, let plan) = setup else { return .failure(.misrouted(.children, setup)) }
        return spawn(id, worker: worker, plan)
    }

    /// Stopped by the signals the core sends, never by a teardown.
    func tearDown(_ id: AttachmentID) {}

    /// Starts the child and watches its pidfd and output pipes.
    func spawn(_ id: AttachmentID, worker: Int, _ plan: LaunchPlan) -> Result<StageOutcome, StageFailure> {
        let request = SpawnRequest(argv: plan.argv, environment: plan.environment,
                                   workingDirectory: plan.workingDirectory ?? "/", user: plan.user, group: plan.group)
        let device = names(id)
        let process: Kernel.Processes.Child
        do {
            let passed = try sockets.sockets(for: id, worker: worker) { problem in
                logger.log(LogEntry(.warning, problem, binding: id.binding, devpath: device.devpath, interface: device.interface))
            }
            process = try processes.spawn(request, passing: passed, names: sockets.names(for: id, count: passed.count))
        } catch let failure as StageFailure {
            return .failure(StageFailure(.children, failure.reason, worker: worker))
        } catch {
            return .failure(StageFailure(.children, String(describing: error), worker: worker))
        }
        let child = Child(process: process, attachment: id, worker: worker, stop: plan.stop,
                                    interface: device.interface, now: clock())
        registry.record(pid: process.processID.rawValue, startTick: process.startTick, binding: id.binding,
                        devpath: device.devpath ?? "", stop: child.stop, logger: logger)
        watch(child)
        return .success(.children(worker: worker, pid: process.processID))
    }

    /// The child's process group gets `signal`; for a child already reaped,
    /// what it left of its group. The event says the leftovers are gone.
    func signal(_ pid: ProcessID, _ signal: Signal) -> Supervisor.Event? {
        if let child = children[pid] {
            do { try child.process.signalGroup(signal.number) } catch { logger.warning("cannot signal child \(pid): \(error)") }
        } else if !processes.signalLeftovers(pid, signal.number) {
            return .leftoversGone(pid: pid)
        }
        return nil
    }

    func reap(_ pid: ProcessID) {
        guard let child = children[pid], let status = child.process.tryReap() else { return }
        // Whatever the child wrote last is still in the pipes.
        drainOutput(pid, .standardOutput)
        drainOutput(pid, .standardError)
        try? child.process.unwatch(.exit, in: epoll)
        for stream in [ChildProcess.Stream.standardOutput, .standardError] {
            try? child.process.unwatch(.output(stream), in: epoll)
            child.process.closeStream(stream)
        }
        children.removeValue(forKey: pid)
        registry.forget(pid: pid.rawValue)
        sockets.workerExited(child.attachment, worker: child.worker)
        // Told first, so that a teardown the exit completes stops them too.
        if processes.groupHasMembers(pid) { onEvent(.childLeftProcesses(pid: pid)) }
        onEvent(.childExited(pid: pid, status.childExit))
    }

    /// Without pidfd (old kernels) SIGCHLD tells us some child changed state.
    func reapAll() {
        for pid in Array(children.keys) { reap(pid) }
    }

    func drainOutput(_ pid: ProcessID, _ stream: ChildProcess.Stream) {
        guard let child = children[pid], child.process.isOpen(stream) else { return }
        let now = clock()
        // A child over its output rate costs a count, not a log line (nor a
        // String) per line: the loop stays free for everyone else.
        let lines = child.outputLimit.isExhausted(now: now) ? [] : child.process.readOutputLines(from: stream)
        if lines.isEmpty && child.outputLimit.isExhausted(now: now) {
            child.outputLimit.drop(child.process.discardOutputLines(from: stream))
        }
        let device = names(child.attachment)
        var metadata: Logger.Metadata = ["binding": .string(child.attachment.binding), "child_pid": .string(pid.description)]
        if let devpath = device.devpath { metadata["devpath"] = .string(devpath) }
        if let interface = device.interface ?? child.interface { metadata["interface"] = .string(interface) }
        for line in lines where child.outputLimit.admit(now: now) {
            logger.info("\(line)", metadata: metadata)
        }
        let ended = child.process.hasReachedEndOfStream(stream)
        if let dropped = child.outputLimit.summary(now: now, final: ended) {
            logger.warning("\(dropped) line(s) of output dropped: the child writes more than \(OutputRateLimit.linesPerSecond) lines a second", metadata: metadata)
        }
        if ended {
            try? child.process.unwatch(.output(stream), in: epoll)
            child.process.closeStream(stream)
        }
    }

    /// The running children, for the re-exec state.
    var reexecEntries: [ReexecState.Child] {
        children.values.sorted { $0.process.processID < $1.process.processID }.map { child in
            ReexecState.Child(
                pid: child.process.processID, attachment: child.attachment, worker: child.worker, interface: child.interface,
                startTick: child.process.startTick,
                pidfd: child.process.descriptorNumber(of: .exit),
                standardOutput: child.process.descriptorNumber(of: .output(.standardOutput)),
                standardError: child.process.descriptorNumber(of: .output(.standardError)),
                stop: child.stop, partialOutput: child.process.partialLine(.standardOutput),
                partialError: child.process.partialLine(.standardError))
        }
    }

    /// Takes over a child a previous image started (re-exec), watched
    /// again: one that exited in the gap is reaped on the first turn.
    func adopt(_ inherited: ReexecState.Child, take: (Int32?) -> FileDescriptor?) {
        let process = processes.adopt(pid: inherited.pid, pidfd: take(inherited.pidfd),
                                      standardOutput: take(inherited.standardOutput),
                                      standardError: take(inherited.standardError), startTick: inherited.startTick,
                                      partialOutput: inherited.partialOutput, partialError: inherited.partialError)
        watch(Child(process: process, attachment: inherited.attachment, worker: inherited.worker,
                              stop: inherited.stop, interface: inherited.interface, now: clock()))
    }

    private func watch(_ child: Child) {
        let process = child.process
        children[process.processID] = child
        for watched in [ChildProcess.Watched.exit, .output(.standardOutput), .output(.standardError)] {
            do { _ = try process.watch(watched, in: epoll, token: Self.token(process.processID, watched)) } catch {
                logger.error("cannot watch child \(process.processID): \(error)")
            }
        }
    }
}

/// A running child, how it is to be stopped, and what its output lines
/// are tagged with.
final class SupervisedChild<Process: SupervisableProcess> {
    let process: Process
    let attachment: AttachmentID
    let worker: Int
    /// The stop sequence it was started with (the core keeps the same for
    /// the worker): what its crash record says, and what a live upgrade
    /// hands over with it.
    let stop: StopSequence
    let interface: String?
    /// How many of its output lines reach the log.
    var outputLimit: OutputRateLimit

    init(process: Process, attachment: AttachmentID, worker: Int, stop: StopSequence, interface: String?, now: UInt64) {
        self.process = process
        self.attachment = attachment
        self.worker = worker
        self.stop = stop
        self.interface = interface
        outputLimit = OutputRateLimit(now: now)
    }
}

extension ExitStatus {
    var childExit: ChildExit {
        switch self {
        case .exited(let code): .exited(code)
        case .signaled(let signal, _): .signaled(signal)
        }
    }
}
