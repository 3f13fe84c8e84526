import CHotplugSocket
import Glibc
import HotplugCore

/// One socket of `[listen]`, bound and listening, owned by hotplugd for as
/// long as the device is present. Close-on-exec: a child gets it only
/// through the spawner, which places it at its LISTEN_FDS position.
final class ListeningSocket {
    let descriptor: FileDescriptor
    let socket: ListenSocket

    init(_ socket: ListenSocket, interface: String?, backlog: Int32, reusePort: Bool) throws(StageFailure) {
        var step: Int32 = 0
        let fd: Int32
        let (family, bytes): (Int32, [UInt8]) = switch socket.address.host {
        case .any: (0, [])
        case .ipv4(let address): (4, address)
        case .ipv6(let address): (6, address)
        }
        fd = bytes.withUnsafeBufferPointer { address in
            Self.withOptionalCString(interface) { name in
                var spec = hotplug_listen_spec(
                    family: family, address: address.baseAddress, port: socket.address.port,
                    stream: socket.kind == .stream ? 1 : 0, backlog: backlog, interface: name,
                    reuse_port: reusePort ? 1 : 0)
                return hotplug_listen_socket(&spec, &step)
            }
        }
        guard let owned = FileDescriptor(adopting: fd) else {
            throw StageFailure(.sockets, Self.reason(socket, interface: interface, step: step, errno: errno))
        }
        descriptor = owned
        self.socket = socket
    }

    /// One a previous image of this daemon opened (re-exec).
    init(adopting descriptor: consuming FileDescriptor, _ socket: ListenSocket) {
        self.descriptor = descriptor
        self.socket = socket
    }

    private static func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
        guard let text else { return body(nil) }
        return text.withCString { body($0) }
    }

    private static func reason(_ socket: ListenSocket, interface: String?, step: Int32, errno code: Int32) -> String {
        let what = socket.kind == .stream ? "listen on \(socket.address)" : "bind datagram \(socket.address)"
        let text = errnoText(code)
        switch Int(step) {
        case HOTPLUG_LISTEN_BIND_DEVICE:
            return "cannot \(what): binding to interface \(interface.map { Printable.escaped($0) } ?? "?"): \(text)"
        case HOTPLUG_LISTEN_BIND where code == EADDRINUSE:
            return "cannot \(what): the port is already in use by another program"
        default:
            return "cannot \(what): \(text)"
        }
    }
}
