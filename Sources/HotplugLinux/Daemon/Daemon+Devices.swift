import Glibc
import HotplugCore

/// Device events from the udev monitor (`UdevSource`), and the start-up enumeration.
extension DaemonLoop {
    /// Enumerates what is present and reconciles: used at start and after
    /// the monitor lost events.
    func coldplug() {
        do {
            try enumeratePresent()
        } catch {
            logger.error("enumerating devices failed: \(error)")
        }
    }

    /// At start a failure is fatal (see `run`): a daemon that cannot see the
    /// devices present would sit "ready" and ignore them. `atStart`, when
    /// nothing is tracked yet, leaves out unread the devices no binding can
    /// want by subsystem and name (a veth's peer): a re-enumeration must see
    /// them all, since a tracked device renamed since its match is found by
    /// identity among them, and one missing would be taken as gone.
    func enumeratePresent(atStart: Bool = false) throws {
        let present: [Wakeups.Monitor.Device]
        do {
            // A copy for the scan only: gone before `apply` changes the
            // supervisor, which would otherwise copy its storage.
            let supervisor = self.supervisor
            let wanted: ((String, String) -> Bool)? = atStart ? { supervisor.factNeeds(subsystem: $0, sysname: $1) != nil } : nil
            present = try udev.enumerate(subsystems: supervisor.configuration.monitoredSubsystems, wanted: wanted)
        }
        apply(.present(supervision.present(present)))
    }

    func readMonitor() {
        udev.read(into: supervision, logger: logger, reconcile: coldplug)
    }
}
