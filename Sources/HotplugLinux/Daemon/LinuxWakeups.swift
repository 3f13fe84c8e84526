import Glibc
import HotplugCore

/// The real wake-ups of the loop: one epoll instance, a signalfd for
/// SIGTERM, SIGINT, SIGHUP and SIGCHLD, a timerfd for the core's
/// deadlines, and the udev monitor. Opens each and so closes each.
final class LinuxWakeups: LoopWakeups {
    let signals: SignalFD
    let epoll: Epoll
    let timer: TimerFD
    let monitor: LinuxDeviceMonitor

    init(source: EventSource, tag: String?, receiveBufferBytes: Int32, subsystems: Set<String>?) throws {
        // Signals first: from here on SIGTERM waits for the loop instead
        // of killing the daemon with its children still running.
        signals = try SignalFD(signals: [SIGTERM, SIGINT, SIGHUP, SIGCHLD])
        epoll = try Epoll()
        timer = try TimerFD()
        monitor = try LinuxDeviceMonitor(source: source, tag: tag, receiveBufferBytes: receiveBufferBytes,
                                         subsystems: subsystems)
    }

    func watchSignalsAndDeadline() throws(SystemCallError) {
        try epoll.add(signals, token: Daemon.Token.signals, events: .readable)
        try epoll.add(timer, token: Daemon.Token.timer, events: .readable)
    }

    func wait() throws(SystemCallError) -> [(token: UInt64, events: UInt32)] {
        try epoll.wait(timeoutMilliseconds: -1)
    }

    func receivedSignals() throws(SystemCallError) -> [Int32] { try signals.read() }

    func setDeadline(_ nanoseconds: UInt64?) throws(SystemCallError) {
        if let nanoseconds {
            try timer.arm(deadlineNanoseconds: nanoseconds)
        } else {
            try timer.disarm()
        }
    }

    func acknowledgeDeadline() { _ = try? timer.acknowledge() }
}

/// libudev: the context, the monitor with its kernel-side filter, and the
/// enumeration. Opens the monitor, and each replacement, and so closes it.
final class LinuxDeviceMonitor: DeviceMonitoring {
    let context: UdevContext
    private(set) var monitor: UdevMonitor
    let source: EventSource
    let tag: String?
    let receiveBufferBytes: Int32

    init(source: EventSource, tag: String?, receiveBufferBytes: Int32, subsystems: Set<String>?) throws(UdevError) {
        self.source = source
        self.tag = tag
        self.receiveBufferBytes = receiveBufferBytes
        context = try UdevContext()
        monitor = try UdevMonitor(context: context, source: source, subsystems: subsystems, tag: tag,
                                  receiveBufferBytes: receiveBufferBytes)
    }

    func receive() -> MonitorReceipt<UdevDevice> {
        switch monitor.receive() {
        case .device(let device): .device(device)
        case .empty: .empty
        case .overflow: .overflow
        }
    }

    /// With udevd, only devices it finished with: the others are still in
    /// its queue and will arrive as events with their properties. With
    /// `wanted`, see `UdevEnumerator.classDevices`.
    func enumerate(subsystems: Set<String>?,
                   wanted: ((_ subsystem: String, _ sysname: String) -> Bool)?) throws(UdevError) -> [UdevDevice] {
        try UdevEnumerator.devices(context, subsystems: subsystems, tag: tag, initializedOnly: source == .udev, wanted: wanted)
    }

    /// Not with a tag filter or all subsystems; `ClassRescan` says nil
    /// itself for a bus subsystem or a name that is not UTF-8.
    func rescan(subsystems: Set<String>?, tracked: [(identity: DeviceIdentity, facts: DeviceFacts)],
                wanted: (_ subsystem: String, _ sysname: String) -> Bool,
                kernelName: (_ ifindex: Int32) -> String?) -> [RescannedDevice<UdevDevice>]? {
        guard tag == nil, let subsystems else { return nil }
        return ClassRescan.present(context, subsystems: subsystems, initializedOnly: source == .udev, tracked: tracked,
                                   wanted: wanted, kernelName: kernelName)
    }

    func watch(in epoll: Epoll, token: UInt64) throws(SystemCallError) {
        try epoll.add(monitor, token: token, events: .readable)
    }

    /// The kernel-side filter is fixed once installed: new subsystems need
    /// a new monitor.
    func reopen(subsystems: Set<String>?, in epoll: Epoll, token: UInt64) throws {
        let fresh = try UdevMonitor(context: context, source: source, subsystems: subsystems, tag: tag,
                                    receiveBufferBytes: receiveBufferBytes)
        try epoll.replace(monitor, with: fresh, token: token, events: .readable)
        monitor = fresh
    }

    func syspath(ofDeviceAt path: String) -> String? {
        (try? DeviceLookup.find(path, in: context))?.syspath
    }
}
