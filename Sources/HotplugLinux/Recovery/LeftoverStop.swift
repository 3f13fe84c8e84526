import CHotplugSpawn
import Glibc
import HotplugCore
import Logging

/// Carries out the stop sequences of children a dead daemon left: each its
/// own signal to its process group at once, then one wait for all of them,
/// each up to its own timeout, then SIGKILL to the group of any still there.
/// In parallel, so ten stubborn children cost one timeout, not ten.
enum LeftoverStop {
    struct Target {
        var child: ProcessIdentity
        var stop: StopSequence
    }

    /// How long a SIGKILLed group gets to go before we stop waiting; the
    /// kernel needs no more than this unless the process is stuck in D state.
    static let killGrace: UInt64 = 1_000_000_000

    static func run(_ targets: [Target], logger: Logger) {
        var pending: [Watched] = []
        let start = MonotonicClock.now()
        for target in targets {
            // The pidfd first, then the start time: once both agree, the
            // pidfd pins this very process and nothing else can take its pid.
            let pidfd = FileDescriptor(adopting: hotplug_pidfd_open(target.child.pid))
            guard target.child.isRunning else { continue }
            send(target.stop.signal.number, to: target.child.pid)
            pending.append(Watched(target, pidfd: pidfd, deadline: start &+ target.stop.timeout.nanoseconds))
        }
        while !pending.isEmpty {
            let now = MonotonicClock.now()
            for watched in pending where watched.deadline <= now {
                if watched.killed {
                    logger.error("child \(watched.target.child.pid) left by a previous hotplugd is still there after SIGKILL")
                    watched.done = true
                } else {
                    logger.warning("child \(watched.target.child.pid) left by a previous hotplugd did not stop on \(watched.target.stop.signal) within \(watched.target.stop.timeout); sending SIGKILL to its process group")
                    send(SIGKILL, to: watched.target.child.pid)
                    watched.killed = true
                    watched.deadline = now &+ killGrace
                }
            }
            pending.removeAll { $0.done }
            wait(for: pending, until: pending.map(\.deadline).min() ?? now)
            pending.removeAll { $0.hasExited }
        }
    }

    /// The group first, then the process, in case it left its group.
    private static func send(_ number: Int32, to pid: Int32) {
        kill(-pid, number)
        kill(pid, number)
    }

    /// Sleeps until one of them exits or the deadline passes. Processes
    /// without a pidfd (kernels before 5.3) are looked at every 50 ms.
    private static func wait(for watched: [Watched], until deadline: UInt64) {
        guard !watched.isEmpty else { return }
        var descriptors = watched.map { pollfd(fd: $0.pidfdNumber, events: Int16(POLLIN), revents: 0) }
        let now = MonotonicClock.now()
        var timeout = deadline > now ? Int32(clamping: (deadline - now + 999_999) / 1_000_000) : 0
        if watched.contains(where: { $0.pidfdNumber < 0 }) { timeout = min(timeout, 50) }
        _ = poll(&descriptors, nfds_t(descriptors.count), timeout)
    }

    private final class Watched {
        let target: Target
        /// Held only to keep `pidfdNumber` open for poll().
        let pidfd: FileDescriptor?
        /// -1 without a pidfd, which poll() skips.
        let pidfdNumber: Int32
        var deadline: UInt64
        var killed = false
        var done = false

        init(_ target: Target, pidfd: consuming FileDescriptor?, deadline: UInt64) {
            self.target = target
            self.deadline = deadline
            if let descriptor = pidfd {
                pidfdNumber = descriptor.rawValue
                self.pidfd = consume descriptor
            } else {
                pidfdNumber = -1
                self.pidfd = nil
            }
        }

        /// A pidfd polls readable once its process has exited, reaped or not.
        var hasExited: Bool {
            guard pidfdNumber >= 0 else { return !target.child.isRunning }
            var descriptor = pollfd(fd: pidfdNumber, events: Int16(POLLIN), revents: 0)
            return poll(&descriptor, 1, 0) > 0
        }
    }
}
