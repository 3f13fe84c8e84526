import HotplugCore
import Logging

/// The device events as a component of the daemon: the udev context, the
/// monitor (and its token), the enumeration of what is present, and the
/// reconcile owed after the monitor lost events. Each device read goes to
/// the device path (`DeviceSupervision.handle`), which a test drives with
/// fake devices instead (`DeviceRecord`).
final class UdevSource {
    static var token: UInt64 { 1 }

    let context: UdevContext
    private(set) var monitor: UdevMonitor
    let source: EventSource
    let tag: String?
    let receiveBufferBytes: Int32
    /// Events were lost: enumerate once the monitor's queue is empty.
    private var reconcilePending = false

    init(source: EventSource, tag: String?, receiveBufferBytes: Int32, subsystems: Set<String>?) throws(UdevError) {
        self.source = source
        self.tag = tag
        self.receiveBufferBytes = receiveBufferBytes
        context = try UdevContext()
        monitor = try UdevMonitor(context: context, source: source, subsystems: subsystems, tag: tag,
                                  receiveBufferBytes: receiveBufferBytes)
    }

    func watch(in epoll: Epoll) throws(SystemCallError) {
        try epoll.add(monitor, token: Self.token, events: .readable)
    }

    /// The devices present in `subsystems` (all when nil). With udevd, only
    /// devices it finished with: the others are still in its queue and
    /// will arrive as events with their properties.
    /// With `wanted`, devices it refuses may be left out unread (see
    /// `UdevEnumerator.classDevices`).
    func enumerate(subsystems: Set<String>?,
                   wanted: ((_ subsystem: String, _ sysname: String) -> Bool)? = nil) throws(UdevError) -> [UdevDevice] {
        try UdevEnumerator.devices(context, subsystems: subsystems, tag: tag, initializedOnly: source == .udev, wanted: wanted)
    }

    /// A re-enumeration that reads only what can change the reconcile
    /// (see `ClassRescan`); nil when it cannot be done that way (a tag
    /// filter, all subsystems, a bus subsystem, a name that is not UTF-8),
    /// for `enumerate` instead.
    func rescan(subsystems: Set<String>?, tracked: [(identity: DeviceIdentity, facts: DeviceFacts)],
                wanted: (_ subsystem: String, _ sysname: String) -> Bool,
                kernelName: (_ ifindex: Int32) -> String?) -> [ClassRescan.Entry]? {
        guard tag == nil, let subsystems else { return nil }
        return ClassRescan.present(context, subsystems: subsystems, initializedOnly: source == .udev, tracked: tracked,
                                   wanted: wanted, kernelName: kernelName)
    }

    /// The monitor became readable: its events to `supervision`, bounded
    /// per wake-up so signals and children get their turn in a storm (the
    /// socket stays readable, so the loop comes back for the rest).
    /// `reconcile` enumerates again once the queue is drained after a loss.
    func read<Kernel>(into supervision: DeviceSupervision<Kernel>, logger: Logger, reconcile: () -> Void) {
        for _ in 0..<256 {
            switch monitor.receive() {
            case .empty:
                if reconcilePending {
                    reconcilePending = false
                    reconcile()
                }
                return
            case .overflow:
                // Enumerate only once the queue is drained: the kernel reports
                // ENOBUFS once per congestion, and events dropped until the
                // queue empties come with no second report.
                logger.warning("device events were lost (monitor receive buffer overflow); enumerating again to reconcile")
                supervision.supervisor.metrics.countOverflow()
                reconcilePending = true
            case .device(let device):
                supervision.handle(device)
            }
        }
    }

    /// The kernel-side filter is fixed once installed: new subsystems need a
    /// new monitor. The old monitor stays, watched, until the new one is
    /// open and watched: a failure keeps the daemon hearing the old
    /// subsystems rather than none.
    func reopen(subsystems: Set<String>?, in epoll: Epoll) throws {
        let fresh = try UdevMonitor(context: context, source: source, subsystems: subsystems, tag: tag,
                                    receiveBufferBytes: receiveBufferBytes)
        try epoll.replace(monitor, with: fresh, token: Self.token, events: .readable)
        monitor = fresh
    }
}
