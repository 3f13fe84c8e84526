import Glibc
import HotplugCore
import Logging

extension ChildRegistry {
    /// An empty or torn record (an older daemon, or a crash mid-write) is
    /// "unknown, look it up", never ignored: ignoring it would leave the
    /// child running beside the one the new daemon starts for the device.
    /// What the record still says is used; the rest is found in /proc by
    /// what the daemon stamps on its children (see `StampedChildLookup`).
    /// The record goes unless its daemon may still run.
    static func lookUp(_ fragment: ChildRecordFragment, pid: Int32, in directory: VerifiedDirectory, place: String,
                       identity: DaemonIdentity, logger: Logger) -> LeftoverStop.Target? {
        let name = String(pid)
        if let other = fragment.daemonKey, other != identity.key {
            logger.warning("ignoring \(place): written for another hotplugd daemon (\(other), not \(identity.key))")
            return nil
        }
        if let daemon = fragment.daemon, daemon.isRunning {
            logger.notice("leaving \(place) alone: hotplugd \(daemon.pid), which wrote it, is still running")
            return nil
        }
        logger.warning("record \(place) is empty or torn (left by an older hotplugd, or by a crash while it was written); looking child \(pid) up")
        guard let written = directory.modificationTime(name) else { return nil }
        let stop = fragment.stop ?? .standard
        let target: LeftoverStop.Target, binding: String, devpath: String
        if let child = fragment.child {
            guard child.pid == pid else { return nil }
            directory.remove(name)
            guard child.isRunning else { return nil }
            if case .child(_, let stamped, let syspath) = StampedChildLookup.find(pid: pid, recordWritten: written) {
                (binding, devpath) = (fragment.binding ?? stamped, syspath)
            } else {
                (binding, devpath) = (fragment.binding ?? "(unknown)", "(unknown device)")
            }
            target = LeftoverStop.Target(child: child, stop: stop)
        } else {
            switch StampedChildLookup.find(pid: pid, recordWritten: written) {
            case .gone:
                directory.remove(name)
                return nil
            case .notOurs(let why):
                directory.remove(name)
                logger.notice("dropping \(place): process \(pid) is not a child hotplugd started (\(why))")
                return nil
            case .daemonMayRun(let parent):
                logger.notice("leaving \(place) alone: child \(pid)'s parent \(parent) runs hotplugd, which may have written it")
                return nil
            case .child(let child, let stamped, let syspath):
                directory.remove(name)
                (binding, devpath) = (fragment.binding ?? stamped, syspath)
                target = LeftoverStop.Target(child: child, stop: stop)
            }
        }
        logger.notice("stopping child \(pid) of binding \(binding) on \(devpath), left running by a previous hotplugd (\(stop))")
        return target
    }
}
