import CHotplugSocket
import Glibc
import HotplugCore

/// One socket of `[listen]`, bound and listening, owned by hotplugd for as
/// long as the device is present. Close-on-exec: a child gets it only
/// through the spawner, which places it at its LISTEN_FDS position.
final class ListeningSocket {
    let descriptor: FileDescriptor
    let socket: ListenSocket
    private let backlog: Int32

    /// Why a socket could not be opened: the step and the errno, for the
    /// stage to word (it knows who else holds the port).
    struct OpenFailure: Error {
        var socket: ListenSocket
        var bindingToDevice: Bool
        var inUse: Bool
        var errno: Int32
    }

    /// Opened on the real network stack (`LinuxSockets`).
    convenience init(_ socket: ListenSocket, ifindex: Int32?, backlog: Int32, reusePort: Bool) throws(OpenFailure) {
        let descriptor = try LinuxSockets().open(socket, ifindex: ifindex, backlog: backlog, reusePort: reusePort)
        self.init(adopting: descriptor, socket, backlog: backlog)
    }

    /// A socket `SocketOpening.open` opened, or a previous image of this
    /// daemon did (re-exec).
    init(adopting descriptor: consuming FileDescriptor, _ socket: ListenSocket, backlog: Int32) {
        self.descriptor = descriptor
        self.socket = socket
        self.backlog = backlog
    }

    /// Whether a stream socket still accepts connections: a child's
    /// shutdown(2) on it ends its listening for every holder, for good.
    /// Datagram sockets have no such state and always count as accepting.
    func accepts<Opener: SocketOpening>(_ opener: Opener) -> Bool {
        socket.kind == .datagram || opener.accepts(descriptor)
    }

    /// Listens again on a socket a child shut down: it kept its address and
    /// port, so every child that holds it serves on it again.
    func listenAgain<Opener: SocketOpening>(_ opener: Opener) -> Bool {
        opener.listenAgain(descriptor, backlog: backlog)
    }
}

/// `[listen]` sockets on the real network stack, through `CHotplugSocket`.
struct LinuxSockets: SocketOpening {
    /// Bound to the interface with index `ifindex` (SO_BINDTOIFINDEX) when
    /// given: by index, so a rename in flight cannot make it fail or miss.
    func open(_ socket: ListenSocket, ifindex: Int32?, backlog: Int32, reusePort: Bool) throws(ListeningSocket.OpenFailure) -> FileDescriptor {
        var step: Int32 = 0
        let (family, bytes): (Int32, [UInt8]) = switch socket.address.host {
        case .any: (0, [])
        case .ipv4(let address): (4, address)
        case .ipv6(let address): (6, address)
        }
        let fd = bytes.withUnsafeBufferPointer { address in
            var spec = hotplug_listen_spec(
                family: family, address: address.baseAddress, port: socket.address.port,
                stream: socket.kind == .stream ? 1 : 0, backlog: backlog, ifindex: ifindex ?? 0,
                reuse_port: reusePort ? 1 : 0)
            return hotplug_listen_socket(&spec, &step)
        }
        guard let owned = FileDescriptor(adopting: fd) else {
            let code = errno
            throw ListeningSocket.OpenFailure(socket: socket, bindingToDevice: Int(step) == HOTPLUG_LISTEN_BIND_DEVICE,
                                              inUse: Int(step) == HOTPLUG_LISTEN_BIND && code == EADDRINUSE, errno: code)
        }
        return owned
    }

    func accepts(_ descriptor: borrowing FileDescriptor) -> Bool {
        hotplug_socket_accepts(descriptor.rawValue) != 0
    }

    func listenAgain(_ descriptor: borrowing FileDescriptor, backlog: Int32) -> Bool {
        hotplug_listen_again(descriptor.rawValue, backlog) == 0
    }
}
