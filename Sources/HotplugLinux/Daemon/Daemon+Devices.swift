import Glibc
import HotplugCore

/// Device events from the udev monitor, and the start-up enumeration.
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
        // With udevd, only devices it finished with: the others are still
        // in its queue and will arrive as events with their properties.
        let present = try UdevEnumerator.devices(
            context, subsystems: supervisor.configuration.monitoredSubsystems, tag: options.tag,
            initializedOnly: options.source == .udev)
        apply(.present(supervision.present(present)))
    }

    func readMonitor() {
        // Bounded per wake-up so signals and children get their turn in a storm;
        // the socket stays readable, so the loop comes back for the rest.
        for _ in 0..<256 {
            switch monitor.receive() {
            case .empty:
                if reconcilePending {
                    reconcilePending = false
                    coldplug()
                }
                return
            case .overflow:
                // Enumerate only once the queue is drained: the kernel reports
                // ENOBUFS once per congestion, and events dropped until the
                // queue empties come with no second report.
                logger.warning("device events were lost (monitor receive buffer overflow); enumerating again to reconcile")
                supervisor.metrics.countOverflow()
                reconcilePending = true
            case .device(let device):
                supervision.handle(device)
            }
        }
    }
}
