import CUdev
import Glibc

/// Where device events come from: udevd's broadcast after its rules ran, or
/// the kernel's raw uevents (no udev properties, no renames by rules yet).
public enum EventSource: String, Sendable, CaseIterable {
    case udev
    case kernel

    /// udev where udevd runs, kernel otherwise.
    public static var automatic: EventSource { UdevContext.udevdIsRunning ? .udev : .kernel }
}

/// Owns one `udev_monitor` and its netlink socket.
public final class UdevMonitor {
    private let pointer: OpaquePointer
    private let context: UdevContext
    /// A duplicate of the monitor's socket, for waiting on it. libudev owns
    /// (and closes) the socket it reads from; this one is ours, so the event
    /// loop registers an owner like every other, and nothing of ours ever
    /// closes libudev's descriptor.
    private let watched: FileDescriptor
    public let source: EventSource

    public enum ReceiveResult {
        case device(UdevDevice)
        /// Nothing to read now.
        case empty
        /// The kernel dropped events because the buffer was full.
        case overflow
    }

    /// Installs the filters in the kernel (BPF on the socket) so events the
    /// bindings cannot match never wake the daemon.
    public init(context: UdevContext, source: EventSource, subsystems: Set<String>?, tag: String? = nil,
                receiveBufferBytes: Int32 = 8 << 20) throws(UdevError) {
        guard let pointer = udev_monitor_new_from_netlink(context.pointer, source.rawValue) else {
            throw UdevError(operation: "udev_monitor_new_from_netlink(\(source.rawValue))", errno: errno)
        }
        guard let watched = FileDescriptor(adopting: fcntl(udev_monitor_get_fd(pointer), F_DUPFD_CLOEXEC, 0)) else {
            let failure = errno
            udev_monitor_unref(pointer)
            throw UdevError(operation: "duplicate the udev monitor's socket", errno: failure)
        }
        self.watched = watched
        self.pointer = pointer
        self.context = context
        self.source = source
        for subsystem in (subsystems ?? []).sorted() {
            udev_monitor_filter_add_match_subsystem_devtype(pointer, subsystem, nil)
        }
        if let tag { udev_monitor_filter_add_match_tag(pointer, tag) }
        // Ignore failure: without root the buffer stays at the default, which
        // only makes overflow (and its full re-enumeration) likelier.
        _ = udev_monitor_set_receive_buffer_size(pointer, receiveBufferBytes)
        let status = udev_monitor_enable_receiving(pointer)
        if status < 0 { throw UdevError(operation: "udev_monitor_enable_receiving", errno: -status) }
    }

    deinit { udev_monitor_unref(pointer) }

    /// Waits until events can be received, up to `timeoutMilliseconds`
    /// (< 0: forever). False when the time ran out; a signal ends the wait
    /// early, also with false, so the caller's loop sees it.
    public func waitForEvents(timeoutMilliseconds: Int32) throws(UdevError) -> Bool {
        var request = pollfd(fd: watched.rawValue, events: Int16(POLLIN), revents: 0)
        let ready = poll(&request, 1, timeoutMilliseconds)
        if ready < 0 {
            let failure = errno
            if failure == EINTR { return false }
            throw UdevError(operation: "poll(udev monitor)", errno: failure)
        }
        return ready > 0
    }

    public func receive() -> ReceiveResult {
        errno = 0
        if let device = udev_monitor_receive_device(pointer) { return .device(UdevDevice(adopting: device)) }
        return errno == ENOBUFS ? .overflow : .empty
    }
}

extension UdevMonitor: EpollWatchable {
    public func withWatchedDescriptor<Result>(
        _ body: (borrowing FileDescriptor) throws(SystemCallError) -> Result
    ) throws(SystemCallError) -> Result {
        try body(watched)
    }
}
