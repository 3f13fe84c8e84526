import Glibc
import HotplugCore

/// SIGTERM/SIGINT stop, SIGHUP reloads, SIGCHLD reaps.
extension DaemonLoop {
    func readSignals() {
        for signal in (try? wakeups.receivedSignals()) ?? [] {
            switch signal {
            case SIGTERM, SIGINT:
                logger.notice("received \(signal == SIGTERM ? "SIGTERM" : "SIGINT"); stopping every child")
                notifier.stopping(status: "stopping \(childrenStage.count) child(ren)")
                apply(.shutdown)
            case SIGHUP:
                reload()
            case SIGCHLD:
                childrenStage.reapAll()
            default:
                break
            }
        }
    }
}
