import CHotplugSocket
import Glibc

/// The listening control socket. Owns its descriptor and the socket file: a
/// stale file from a crashed daemon is replaced, a live daemon is not.
public final class ControlServer {
    public let path: String
    let descriptor: FileDescriptor

    public init(path: String, group: String?) throws(ControlSocketError) {
        self.path = path
        guard let address = UnixSocketAddress(path: path) else {
            throw ControlSocketError("control socket path '\(path)' is empty or too long")
        }
        try Self.createParentDirectory(of: path)
        try Self.removeStaleSocket(path, address)
        // Every early exit below closes the socket: the owner ends with the scope.
        guard let descriptor = FileDescriptor(adopting: socket(
            AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0))
        else { throw ControlSocketError("socket(AF_UNIX): \(errnoText())") }
        // Created 0660 from the start: no window in which anyone may connect.
        let previousMask = umask(0o117)
        let bound = address.withSockaddr { bind(descriptor.rawValue, $0, $1) }
        let bindFailure = errno
        umask(previousMask)
        guard bound == 0 else { throw ControlSocketError("bind \(path): \(errnoText(bindFailure))") }
        if let group {
            guard let entry = getgrnam(group) else {
                unlink(path)
                throw ControlSocketError("--socket-group: no group named '\(group)'")
            }
            if chown(path, uid_t.max, entry.pointee.gr_gid) != 0 {
                let reason = errnoText()
                unlink(path)
                throw ControlSocketError("chown \(path) to group \(group): \(reason)")
            }
        }
        guard listen(descriptor.rawValue, 64) == 0 else {
            let reason = errnoText()
            unlink(path)
            throw ControlSocketError("listen \(path): \(reason)")
        }
        self.descriptor = descriptor
    }

    /// The socket a previous image of this daemon listened on (re-exec):
    /// the file stays, connections queued meanwhile are accepted now.
    init(adopting descriptor: consuming FileDescriptor, path: String) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        // The descriptor closes after this, with the stored owner.
        unlink(path)
    }

    /// Accepts every pending connection.
    public func acceptAll() -> [ControlConnection] {
        var accepted: [ControlConnection] = []
        while true {
            guard let connection = FileDescriptor(adopting: hotplug_accept_nonblocking(descriptor.rawValue)) else {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return accepted
            }
            accepted.append(ControlConnection(descriptor: connection))
        }
    }
}

extension ControlServer: EpollWatchable {
    public func withWatchedDescriptor<Result>(
        _ body: (borrowing FileDescriptor) throws(SystemCallError) -> Result
    ) throws(SystemCallError) -> Result {
        try body(descriptor)
    }
}

extension ControlServer {
    static func createParentDirectory(of path: String) throws(ControlSocketError) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        let directory = String(path[..<slash])
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw ControlSocketError("cannot create \(directory): \(errnoText())")
        }
    }

    /// A socket file nobody answers on is left over from a daemon that died:
    /// remove it. One that answers belongs to a running daemon: refuse.
    static func removeStaleSocket(_ path: String, _ address: UnixSocketAddress) throws(ControlSocketError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw ControlSocketError("\(path) exists and is not a socket; remove it or pick another --socket")
        }
        guard let probe = FileDescriptor(adopting: socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0))
        else { return }
        if address.withSockaddr({ connect(probe.rawValue, $0, $1) }) == 0 {
            throw ControlSocketError("another hotplugd is already running on \(path) (stop it, or give this one another --socket)")
        }
        unlink(path)
    }
}
