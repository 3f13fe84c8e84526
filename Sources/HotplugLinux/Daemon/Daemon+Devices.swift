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
    /// want by subsystem and name (a veth's peer). A re-enumeration (a
    /// re-exec's gap, lost events) must also find each tracked device by
    /// identity, under whatever name it has now, or it would be taken as
    /// gone: `ClassRescan` reads what can change the outcome and gives the
    /// devices found as they were back with their kept facts, and
    /// libudev's scan of every entry is the fallback.
    func enumeratePresent(atStart: Bool = false) throws {
        let present: [DeviceFacts]
        do {
            // A copy for the scan only: gone before `apply` changes the
            // supervisor, which would otherwise copy its storage.
            let supervisor = self.supervisor
            let wanted: (String, String) -> Bool = { supervisor.factNeeds(subsystem: $0, sysname: $1) != nil }
            let subsystems = supervisor.configuration.monitoredSubsystems
            if !atStart, let entries = udev.rescan(subsystems: subsystems, tracked: supervisor.trackedDevices, wanted: wanted,
                                                   kernelName: { [kernel = supervision.kernel] in
                                                       kernel.interfaceName(ofIndex: $0).flatMap { String(validating: $0, as: UTF8.self) }
                                                   }) {
                present = entries.map { entry in
                    switch entry {
                    case .unchanged(let facts): facts
                    case .device(let device): supervision.checkedFacts(device)
                    }
                }
            } else {
                present = supervision.present(try udev.enumerate(subsystems: subsystems, wanted: atStart ? wanted : nil))
            }
        }
        apply(.present(present))
    }

    func readMonitor() {
        udev.read(into: supervision, logger: logger, reconcile: coldplug)
    }
}
