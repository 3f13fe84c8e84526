import Glibc
import HotplugCore
import Logging

/// Child exits and output.
extension Daemon {
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
        socketStage.workerExited(child.instance, worker: child.worker)
        // Told first, so that a teardown the exit completes stops them too.
        if ProcessGroup.hasMembers(pid) { apply(.childLeftProcesses(pid: pid)) }
        apply(.childExited(pid: pid, status.childExit))
    }

    /// Without pidfd (old kernels) SIGCHLD tells us some child changed state.
    func reapAny() {
        for pid in Array(children.keys) { reap(pid) }
    }

    func drainOutput(_ pid: ProcessID, _ stream: ChildProcess.Stream) {
        guard let child = children[pid], child.process.isOpen(stream) else { return }
        let now = MonotonicClock.now()
        // A child over its output rate costs a count, not a log line (nor a
        // String) per line: the loop stays free for everyone else.
        let lines = child.outputLimit.isExhausted(now: now) ? [] : child.process.readOutputLines(from: stream)
        if lines.isEmpty && child.outputLimit.isExhausted(now: now) {
            child.outputLimit.drop(child.process.discardOutputLines(from: stream))
        }
        var metadata: Logger.Metadata = ["binding": .string(child.instance.binding), "child_pid": .string(pid.description)]
        if let devpath = supervisor.deviceFacts(child.instance.device)?.devpath { metadata["devpath"] = .string(devpath) }
        if let interface = supervisor.interfaceName(child.instance.device) ?? child.interface {
            metadata["interface"] = .string(interface)
        }
        for line in lines where child.outputLimit.admit(now: now) {
            logger.info("\(line)", metadata: metadata)
        }
        let ended = child.process.hasReachedEndOfStream(stream)
        if let dropped = child.outputLimit.summary(now: now, final: ended) {
            logger.warning("\(dropped) line(s) of output dropped: the child writes more than \(OutputRateLimit.linesPerSecond) lines a second", metadata: metadata)
        }
        if child.process.hasReachedEndOfStream(stream) {
            try? child.process.unwatch(.output(stream), in: epoll)
            child.process.closeStream(stream)
        }
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
