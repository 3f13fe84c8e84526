import Glibc
import HotplugCore
import Logging

/// Child exits and output.
extension Daemon {
    func reap(_ pid: Int32) {
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
        registry.forget(pid: pid)
        socketStage.workerExited(child.instance, worker: child.worker)
        apply(.childExited(pid: pid, status.childExit))
    }

    /// Without pidfd (old kernels) SIGCHLD tells us some child changed state.
    func reapAny() {
        for pid in Array(children.keys) { reap(pid) }
    }

    func drainOutput(_ pid: Int32, _ stream: ChildProcess.Stream) {
        guard let child = children[pid], child.process.isOpen(stream) else { return }
        let lines = child.process.readOutputLines(from: stream)
        var metadata: Logger.Metadata = ["binding": .string(child.instance.binding), "child_pid": .string(String(pid))]
        if let devpath = supervisor.deviceFacts(child.instance.device)?.devpath { metadata["devpath"] = .string(devpath) }
        if let interface = supervisor.interfaceName(child.instance.device) ?? child.interface {
            metadata["interface"] = .string(interface)
        }
        for line in lines {
            logger.info("\(line)", metadata: metadata)
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
