import Glibc
import HotplugCore
import Logging

/// What each signal the daemon takes does, as a component: SIGTERM and
/// SIGINT stop every child (the loop ends once they are gone), SIGHUP
/// reloads, SIGCHLD reaps. The signals themselves arrive through the
/// loop's wake-ups (a signalfd, `LinuxWakeups`), which the loop reads.
final class DaemonSignals<Monitor: DeviceMonitoring, Kernel: DaemonKernel> {
    let supervision: DeviceSupervision<Kernel>
    let reload: ConfigurationReload<Monitor, Kernel>
    let notifier: any ServiceNotifying
    let logger: Logger

    init(supervision: DeviceSupervision<Kernel>, reload: ConfigurationReload<Monitor, Kernel>,
         notifier: any ServiceNotifying, logger: Logger) {
        self.supervision = supervision
        self.reload = reload
        self.notifier = notifier
        self.logger = logger
    }

    /// The signals read in one wake-up, in arrival order.
    func handle(_ signals: [Int32]) {
        for signal in signals {
            switch signal {
            case SIGTERM, SIGINT:
                logger.notice("received \(signal == SIGTERM ? "SIGTERM" : "SIGINT"); stopping every child")
                notifier.stopping(status: "stopping \(supervision.children.count) child(ren)")
                supervision.apply(.shutdown)
            case SIGHUP:
                reload.reload()
            case SIGCHLD:
                supervision.children.reapAll()
            default:
                break
            }
        }
    }
}
