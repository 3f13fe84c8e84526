import CHotplugSocket
import Glibc

/// An unbound, close-on-exec `AF_UNIX` datagram socket for talking to
/// systemd: `$NOTIFY_SOCKET` (sd_notify(3)) and journald's native socket.
/// hotplugd speaks both protocols itself rather than linking libsystemd,
/// which brings libgcrypt, liblz4, libzstd, liblzma and libcap into the
/// daemon's memory for two one-datagram calls.
final class SystemdDatagramSocket {
    private let descriptor: FileDescriptor

    /// A socket whose send buffer is raised towards `sendBufferBytes` (the
    /// kernel caps it at `net.core.wmem_max`), as libsystemd does for the
    /// journal, so a long entry fits one datagram more often.
    init(sendBufferBytes: Int32? = nil) throws(SystemCallError) {
        descriptor = try FileDescriptor.adopting(socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0),
                                                 "socket(AF_UNIX, SOCK_DGRAM)")
        if var size = sendBufferBytes {
            // Best effort: the default buffer still carries ordinary entries.
            _ = setsockopt(descriptor.rawValue, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// Sends `bytes` as one datagram; throws the errno (EMSGSIZE when it is
    /// too large for one, ENOENT or ECONNREFUSED when nobody listens).
    func send(_ bytes: [UInt8], to address: UnixSocketAddress, _ operation: @autoclosure () -> String) throws(SystemCallError) {
        let sent = bytes.withUnsafeBytes { buffer in
            address.withSockaddr { hotplug_send_datagram(descriptor.rawValue, $0, $1, buffer.baseAddress, buffer.count, -1) }
        }
        if sent < 0 { throw SystemCallError(operation(), errno: errno) }
    }

    /// Sends an empty datagram carrying `file` (SCM_RIGHTS).
    func send(_ file: borrowing FileDescriptor, to address: UnixSocketAddress, _ operation: @autoclosure () -> String) throws(SystemCallError) {
        let sent = address.withSockaddr { hotplug_send_datagram(descriptor.rawValue, $0, $1, nil, 0, file.rawValue) }
        if sent < 0 { throw SystemCallError(operation(), errno: errno) }
    }
}
