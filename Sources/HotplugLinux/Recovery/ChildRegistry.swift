import HotplugCore
import Logging

/// Records each running child (see `ChildRecord`), so that a daemon that was
/// SIGKILLed has its children stopped by the next one on the same socket
/// before that one starts its own, and a device never has two.
///
/// Root writes here and kills what it reads, so the records live in a
/// directory of this daemon identity's own (`<location>/children/<key>`),
/// created and verified by it, and it acts only on records it wrote: a
/// regular file of ours, tagged with this daemon's key, for a process
/// that still runs with the recorded start time, left by a daemon that no
/// longer runs. Everything else is logged and left alone.
final class ChildRegistry {
    private let socketPath: String?
    private let configPath: String
    private let locations: [RecordLocation]
    /// This daemon, as written into each record.
    private let owner: ProcessIdentity?
    private var identity: DaemonIdentity?
    /// `children`, which holds one directory per daemon identity.
    private var parent: VerifiedDirectory?
    private var directory: VerifiedDirectory?

    init(socketPath: String?, configPath: String, locations: [RecordLocation] = RecordLocation.defaults(),
         owner: ProcessIdentity? = .current) {
        self.socketPath = socketPath
        self.configPath = configPath
        self.locations = locations
        self.owner = owner
    }

    /// Opens the daemon's directory in the first location that passes the
    /// checks. Called once the control socket exists, so that its directory
    /// can be resolved to one spelling. Without one, the daemon runs but
    /// cannot recover children after a crash, and says so.
    func prepare(logger: Logger) {
        let identity = DaemonIdentity(socketPath: socketPath, configPath: configPath)
        self.identity = identity
        var refusals: [String] = []
        for location in locations {
            do throws(DirectoryRefusal) {
                let parent = try VerifiedDirectory.open(location.path, creatingWith: location.mode)
                    .subdirectory("children", creatingWith: 0o700)
                directory = try parent.subdirectory(identity.key, creatingWith: 0o700)
                self.parent = parent
                logger.debug("child records of \(identity.name) in \(parent.path)/\(identity.key)")
                return
            } catch {
                refusals.append(error.description)
            }
        }
        logger.error("not recording children, so they cannot be stopped after a crash: no safe directory for the records (\(refusals.joined(separator: "; ")))")
    }

    /// Running children whose record could not be written (a full /run):
    /// after a crash they would not be stopped. Shown in `status`.
    private(set) var unrecorded: Set<Int32> = []
    /// Why the last record could not be written.
    private(set) var lastFailure: String?

    /// `startTick`, when the spawn knew it, saves reading /proc/PID/stat,
    /// which waits until the child's exec has finished. A record that cannot
    /// be written is an error in the log (and counted for `status`), and
    /// leaves no file behind.
    func record(pid: Int32, startTick: UInt64? = nil, binding: String, devpath: String, stop: StopSequence, logger: Logger? = nil) {
        guard let directory, let identity, let owner,
              let child = startTick.map({ ProcessIdentity(pid: pid, startTime: $0) }) ?? ProcessIdentity(pid: pid) else { return }
        let record = ChildRecord(daemonKey: identity.key, daemon: owner, child: child, stop: stop,
                                 binding: binding, devpath: devpath)
        if let failure = directory.writeNewFile(String(pid), record.text) {
            unrecorded.insert(pid)
            lastFailure = failure
            logger?.error("no crash-recovery record for child \(pid) of binding \(binding): \(failure); if this hotplugd dies, the next one will not stop it")
        }
    }

    func forget(pid: Int32) {
        unrecorded.remove(pid)
        directory?.remove(String(pid))
    }

    /// Stops every child the previous daemon of this identity left running,
    /// each with its recorded stop signal and timeout, all in parallel.
    /// `includingOwn`: records this very process wrote count too (a new
    /// image that refused its predecessor's state: same pid, same start).
    func stopLeftovers(logger: Logger, includingOwn: Bool = false) {
        guard let directory, let identity else { return }
        guard let names = directory.names() else {
            logger.error("cannot list \(directory.path) (is /proc mounted?); children a previous hotplugd left are not stopped")
            return
        }
        var targets: [LeftoverStop.Target] = []
        for name in names.sorted() {
            let place = "\(directory.path)/\(name)"
            let record: ChildRecord
            switch directory.readOwnFile(name, limit: ChildRecord.maximumBytes) {
            case .failure(let refusal):
                logger.warning("ignoring \(place): \(refusal); not a record this daemon wrote")
                continue
            case .success(let text):
                if let parsed = ChildRecord(parsing: text), String(parsed.child.pid) == name {
                    record = parsed
                } else if let fragment = ChildRecordFragment(parsing: text), let pid = Int32(name), pid > 1, String(pid) == name {
                    if let target = Self.lookUp(fragment, pid: pid, in: directory, place: place, identity: identity, logger: logger) {
                        targets.append(target)
                    }
                    continue
                } else {
                    logger.warning("ignoring \(place): not a child record")
                    continue
                }
            }
            guard record.daemonKey == identity.key else {
                logger.warning("ignoring \(place): written for another hotplugd daemon (\(record.daemonKey), not \(identity.key))")
                continue
            }
            guard !record.daemon.isRunning || (includingOwn && record.daemon == owner) else {
                logger.notice("leaving \(place) alone: hotplugd \(record.daemon.pid), which wrote it, is still running")
                continue
            }
            directory.remove(name)
            guard record.child.isRunning else { continue }
            logger.notice("stopping child \(record.child.pid) of binding \(record.binding) on \(record.devpath), left running by a previous hotplugd (\(record.stop))")
            targets.append(LeftoverStop.Target(child: record.child, stop: record.stop))
        }
        LeftoverStop.run(targets, logger: logger)
    }

    /// On a clean exit every child has been forgotten: the daemon's
    /// directory goes too, so finished daemons leave nothing behind.
    func close() {
        guard let parent, let identity else { return }
        directory = nil
        parent.removeDirectory(identity.key)
    }
}
