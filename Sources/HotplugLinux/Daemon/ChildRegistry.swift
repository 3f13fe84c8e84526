import CHotplugSpawn
import Glibc
import Logging

/// Records each running child in the runtime directory (`children/PID`, with
/// the process's start time from /proc so a reused pid is never mistaken for
/// ours). A daemon that was SIGKILLed leaves the records behind; the next
/// one stops those children before it starts its own, so a device never has
/// two.
struct ChildRegistry {
    let directory: String

    init(runtimeDirectory: String) {
        directory = runtimeDirectory + "/children"
    }

    func prepare() {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST { return }
    }

    func record(pid: Int32, binding: String, devpath: String) {
        guard let start = Self.startTime(of: pid) else { return }
        // Binding names are [A-Za-z0-9_.-]; the devpath goes last, on its own line.
        let text = "\(start) \(binding)\n\(devpath)\n"
        let path = "\(directory)/\(pid)"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }

    func forget(pid: Int32) {
        unlink("\(directory)/\(pid)")
    }

    /// Stops every child a previous daemon left running: the stop signal to
    /// its process group, up to `timeoutMilliseconds`, then SIGKILL.
    func stopLeftovers(logger: Logger, timeoutMilliseconds: Int32 = 5000) {
        guard let names = SystemFiles.entries(of: directory) else { return }
        var survivors: [(pid: Int32, pidfd: Int32)] = []
        for name in names {
            defer { unlink("\(directory)/\(name)") }
            guard let pid = Int32(name), pid > 1, let record = readRecord(name) else { continue }
            guard let start = Self.startTime(of: pid), start == record.start else { continue }
            logger.notice("stopping child \(pid) of binding \(record.binding) on \(record.devpath), left running by a previous hotplugd")
            let pidfd = hotplug_pidfd_open(pid)
            kill(-pid, SIGTERM)
            kill(pid, SIGTERM)
            if pidfd >= 0 { survivors.append((pid, pidfd)) }
        }
        let deadline = MonotonicClock.now() + UInt64(timeoutMilliseconds) * 1_000_000
        for survivor in survivors {
            var descriptor = pollfd(fd: survivor.pidfd, events: Int16(POLLIN), revents: 0)
            while true {
                let now = MonotonicClock.now()
                let remaining = now >= deadline ? 0 : Int32((deadline - now) / 1_000_000)
                let ready = poll(&descriptor, 1, remaining)
                if ready < 0 && errno == EINTR { continue }
                if ready <= 0 {
                    logger.warning("child \(survivor.pid) left by a previous hotplugd ignored SIGTERM; sending SIGKILL to its process group")
                    kill(-survivor.pid, SIGKILL)
                    kill(survivor.pid, SIGKILL)
                }
                break
            }
            close(survivor.pidfd)
        }
    }

    private func readRecord(_ name: String) -> (start: UInt64, binding: String, devpath: String)? {
        guard let text = SystemFiles.readSmall("\(directory)/\(name)") else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 2 else { return nil }
        let head = lines[0].split(separator: " ", maxSplits: 1)
        guard head.count == 2, let start = UInt64(head[0]) else { return nil }
        return (start, String(head[1]), String(lines[1]))
    }

    /// Field 22 of /proc/PID/stat: clock ticks since boot when it started.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = SystemFiles.readSmall("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }
}
