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

    /// The socket to wait on; owned by the monitor, never closed by callers.
    public var fileDescriptor: Int32 { udev_monitor_get_fd(pointer) }

    public func receive() -> ReceiveResult {
        errno = 0
        if let device = udev_monitor_receive_device(pointer) { return .device(UdevDevice(adopting: device)) }
        return errno == ENOBUFS ? .overflow : .empty
    }
}
