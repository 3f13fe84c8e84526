import Glibc
import HotplugCore

/// Device events from the udev monitor (`UdevSource`), and the start-up enumeration.
extension Daemon {
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
    /// devices present would sit "ready" and ignore them.
    func enumeratePresent() throws {
        let present = try udev.enumerate(subsystems: supervisor.configuration.monitoredSubsystems)
        apply(.present(supervision.present(present)))
    }

    func readMonitor() {
        udev.read(into: supervision, logger: logger, reconcile: coldplug)
    }
}
