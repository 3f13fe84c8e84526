import HotplugCore

/// What the daemon's loop waits on and reads when it wakes: the epoll
/// instance, the signals, the deadline timer and the udev monitor. The
/// seam that lets a test run the whole loop (`DaemonLoop`) without root, a
/// fake (`FakeWakeups`) reporting readiness the test chose. Production is
/// `LinuxWakeups`: epoll, signalfd, timerfd and libudev.
///
/// Generic, not existential: the loop is specialised for the wake-ups it
/// runs on, so a wake-up, a device read and its dispatch pay no dynamic
/// dispatch for the seam.
protocol LoopWakeups: AnyObject {
    associatedtype Monitor: DeviceMonitoring
    /// Where each component watches the descriptors it owns, under its own
    /// tokens (the children's pidfds and pipes, the control connections,
    /// nftables' notifications, the components' timers).
    var epoll: Epoll { get }
    /// The udev monitor and enumeration, watched under `UdevSource.token`.
    var monitor: Monitor { get }
    /// Watches the signals under `Daemon.Token.signals` and the deadline
    /// timer under `Daemon.Token.timer`.
    func watchSignalsAndDeadline() throws(SystemCallError)
    /// Blocks until something is ready: each ready token with its events.
    func wait() throws(SystemCallError) -> [(token: UInt64, events: UInt32)]
    /// The signals received since the last call, in arrival order (each at
    /// least once: standard signals do not queue).
    func receivedSignals() throws(SystemCallError) -> [Int32]
    /// Arms the deadline timer at a CLOCK_MONOTONIC instant (`DaemonKernel.now`'s
    /// base); nil disarms it.
    func setDeadline(_ nanoseconds: UInt64?) throws(SystemCallError)
    /// The deadline timer fired: makes it quiet again.
    func acknowledgeDeadline()
}

/// What one read of the udev monitor gives.
enum MonitorReceipt<Device> {
    case device(Device)
    /// Nothing to read now.
    case empty
    /// The kernel dropped events because the receive buffer was full.
    case overflow
}

/// The udev monitor and the enumeration of what is present: libudev in
/// production (`LinuxDeviceMonitor`), a queue of fake devices in tests.
protocol DeviceMonitoring: AnyObject {
    associatedtype Device: DeviceRecord
    func receive() -> MonitorReceipt<Device>
    /// The devices present in `subsystems` (all when nil); with `wanted`,
    /// the ones it refuses may be left out unread.
    func enumerate(subsystems: Set<String>?,
                   wanted: ((_ subsystem: String, _ sysname: String) -> Bool)?) throws(UdevError) -> [Device]
    /// A re-enumeration that reads only what can change the reconcile
    /// (see `ClassRescan`); nil when it cannot be done that way, for
    /// `enumerate` instead.
    func rescan(subsystems: Set<String>?, tracked: [(identity: DeviceIdentity, facts: DeviceFacts)],
                wanted: (_ subsystem: String, _ sysname: String) -> Bool,
                kernelName: (_ ifindex: Int32) -> String?) -> [RescannedDevice<Device>]?
    func watch(in epoll: Epoll, token: UInt64) throws(SystemCallError)
    /// A monitor for `subsystems` instead of this one, opened and watched
    /// under `token` before the old one leaves the loop: a failure keeps
    /// the old one, watched.
    func reopen(subsystems: Set<String>?, in epoll: Epoll, token: UInt64) throws
    /// The syspath of a device named by a path the core does not keep
    /// (`/sys/class/net/X` and other symlinks); nil when none is found.
    func syspath(ofDeviceAt path: String) -> String?
}
