import CHotplugSpawn
import Glibc

/// Delivers signals as readable data instead of asynchronous handlers.
///
/// Creating it blocks the signals in the *calling thread* (pthread_sigmask)
/// and opens a nonblocking signalfd for them. A process-directed signal goes
/// to any thread that does not block it, so create this in the main thread
/// before any other thread starts (threads inherit the mask); otherwise a
/// SIGTERM may hit a thread with the default disposition and kill the daemon.
/// Children started by `Spawner` get an empty mask regardless.
///
/// The mask is left in place on deinit: unblocking from whichever thread
/// happens to run deinit would not undo the block in the original thread.
public final class SignalFD: Sendable {
    let descriptor: FileDescriptor
    public let signals: [Int32]

    public init(signals: [Int32]) throws(SystemCallError) {
        let names = signals.map(SignalName.name).joined(separator: ",")
        let blockResult = signals.withUnsafeBufferPointer { buffer in
            hotplug_block_signals(buffer.baseAddress, buffer.count)
        }
        guard blockResult == 0 else {
            throw SystemCallError("pthread_sigmask(SIG_BLOCK \(names))", errno: blockResult)
        }
        let fd = signals.withUnsafeBufferPointer { buffer in
            hotplug_signalfd_create(buffer.baseAddress, buffer.count)
        }
        descriptor = try FileDescriptor.adopting(fd, "signalfd(\(names))")
        self.signals = signals
    }

    /// Drains every pending signal, in arrival order. Standard signals do not
    /// queue: several SIGCHLDs before a read arrive as one, so treat each
    /// number as "at least once".
    public func read() throws(SystemCallError) -> [Int32] {
        var received: [Int32] = []
        while true {
            let signal = hotplug_signalfd_read_one(descriptor.rawValue)
            if signal > 0 {
                received.append(signal)
            } else if signal == 0 {
                return received
            } else {
                throw SystemCallError("read(signalfd fd \(descriptor.rawValue))", errno: errno)
            }
        }
    }
}

extension SignalFD: EpollWatchable {
    public func withWatchedDescriptor<Result>(
        _ body: (borrowing FileDescriptor) throws(SystemCallError) -> Result
    ) throws(SystemCallError) -> Result {
        try body(descriptor)
    }
}
