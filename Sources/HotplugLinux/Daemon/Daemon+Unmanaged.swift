import HotplugCore
import Logging

/// Keeping NetworkManager and systemd-networkd off the configured links
/// (see `UnmanagedMarks`), at start, on reload and at stop.
extension DaemonLoop {
    /// Before the devices present are bound, so that a device that appears
    /// from now on is marked by udev before any manager sees it.
    func writeUnmanagedRules() {
        unmanagedMarks?.update(supervisor.configuration, logger: logger)
    }

    /// After the devices present are bound: they appeared before the rules.
    func markPresentDevices() {
        unmanagedMarks?.markPresentDevices(of: supervisor, logger: logger)
    }

    func removeUnmanagedRules() {
        unmanagedMarks?.remove(logger: logger)
    }
}

extension UnmanagedMarks {
    /// The net devices bound now whose binding needs a mark: they appeared
    /// before the rules (at start), or before the rules changed (a reload).
    func markPresentDevices(of supervisor: Supervisor, logger: Logger) {
        // The status rows are built and sorted for every attachment: 1000
        // devices took 4 ms before READY=1 to find that none needed a mark.
        guard supervisor.configuration.bindings.contains(where: UnmanagedRules.needsMark) else { return }
        var seen = Set<String>()
        var devices: [(syspath: String, interface: String?)] = []
        for row in supervisor.status() where row.subsystem == "net" && !seen.contains(row.syspath) {
            guard let binding = supervisor.configuration.binding(named: row.binding), UnmanagedRules.needsMark(binding) else { continue }
            seen.insert(row.syspath)
            devices.append((row.syspath, row.interface ?? row.sysname))
        }
        markPresent(devices, logger: logger)
    }
}
