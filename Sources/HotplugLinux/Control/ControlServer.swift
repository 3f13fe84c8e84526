import CHotplugSocket
import Glibc

/// The listening control socket. Owns its descriptor and the socket file: a
/// stale file from a crashed daemon is replaced, a live daemon is not.
///
/// Root makes the socket in a directory that may be shared, so the name is
/// never looked up again by path once the directory is opened: the directory
/// is walked from `/` without following symlinks and must be owned by root
/// or us and writable by nobody else unless sticky (then nobody else can
/// rename or remove root's names in it), and every later step (bind, the
/// group, the cleanup) goes through its descriptor.
public final class ControlServer {
    public let path: String
    let descriptor: FileDescriptor
    private let directory: VerifiedDirectory
    private let name: String

    public init(path: String, group: String?) throws(ControlSocketError) {
        self.path = path
        let (directory, name) = try Self.openDirectory(of: path)
        self.directory = directory
        self.name = name
        // bind() and connect() take a path: this one reaches the name
        // through the opened directory, not through the path's components.
        guard let address = UnixSocketAddress(path: "/proc/self/fd/\(directory.descriptor.rawValue)/\(name)") else {
            throw ControlSocketError("control socket name '\(name)' is empty or too long")
        }
        let groupID = try group.map { name throws(ControlSocketError) in try Self.groupID(name) }
        try Self.removeStaleSocket(path, name, in: directory, address)
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
        if let group, let groupID {
            if let problem = Self.setGroup(groupID, of: name, in: directory) {
                unlinkat(directory.descriptor.rawValue, name, 0)
                throw ControlSocketError("cannot give \(path) to group \(group): \(problem)")
            }
        }
        guard listen(descriptor.rawValue, 64) == 0 else {
            let reason = errnoText()
            unlinkat(directory.descriptor.rawValue, name, 0)
            throw ControlSocketError("listen \(path): \(reason)")
        }
        self.descriptor = descriptor
    }

    /// The socket a previous image of this daemon listened on (re-exec):
    /// the file stays, connections queued meanwhile are accepted now.
    /// Its directory is verified again, for the cleanup at exit.
    init(adopting descriptor: consuming FileDescriptor, path: String) throws(ControlSocketError) {
        self.path = path
        let (directory, name) = try Self.openDirectory(of: path)
        self.directory = directory
        self.name = name
        self.descriptor = descriptor
    }

    deinit {
        // The descriptor closes after this, with the stored owner.
        unlinkat(directory.descriptor.rawValue, name, 0)
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
    /// The socket's directory (created 0755 when missing) and its name in it.
    static func openDirectory(of path: String) throws(ControlSocketError) -> (VerifiedDirectory, String) {
        let absolute = AbsolutePath.resolve(path)
        guard let slash = absolute.lastIndex(of: "/"), slash != absolute.startIndex else {
            throw ControlSocketError("control socket path '\(path)' names no file in a directory of its own")
        }
        let name = String(absolute[absolute.index(after: slash)...])
        do {
            return (try VerifiedDirectory.open(String(absolute[..<slash]), creatingWith: 0o755, mayBeSticky: true), name)
        } catch {
            throw ControlSocketError("refusing the control socket's directory \(error); it must be owned by root (or this user), writable by nobody else unless sticky, and reached without symlinks")
        }
    }

    static func groupID(_ name: String) throws(ControlSocketError) -> gid_t {
        guard let entry = getgrnam(name) else { throw ControlSocketError("--socket-group: no group named '\(name)'") }
        return entry.pointee.gr_gid
    }

    /// AT_EMPTY_PATH is hidden behind _GNU_SOURCE in Swift's Glibc.
    private static let emptyPath: Int32 = 0x1000
    /// O_PATH likewise.
    private static let pathOnly: Int32 = 0o10000000

    /// Gives the socket file to `group` through a descriptor of the very
    /// inode: opened without following a symlink, checked to be a socket of
    /// ours, and changed through that descriptor. Nil on success.
    static func setGroup(_ group: gid_t, of name: String, in directory: VerifiedDirectory) -> String? {
        guard let file = FileDescriptor(adopting: openat(directory.descriptor.rawValue, name, pathOnly | O_NOFOLLOW | O_CLOEXEC)) else {
            return errnoText()
        }
        var info = stat()
        guard fstat(file.rawValue, &info) == 0 else { return errnoText() }
        guard info.st_mode & S_IFMT == S_IFSOCK, info.st_uid == geteuid() else {
            return "the name no longer holds the socket just made"
        }
        guard fchownat(file.rawValue, "", uid_t.max, group, emptyPath) == 0 else { return errnoText() }
        return nil
    }

    /// A socket file nobody answers on is left over from a daemon that died:
    /// remove it. One that answers belongs to a running daemon: refuse.
    static func removeStaleSocket(_ path: String, _ name: String, in directory: VerifiedDirectory,
                                  _ address: UnixSocketAddress) throws(ControlSocketError) {
        var info = stat()
        guard fstatat(directory.descriptor.rawValue, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw ControlSocketError("\(path) exists and is not a socket; remove it or pick another --socket")
        }
        guard let probe = FileDescriptor(adopting: socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0))
        else { return }
        if address.withSockaddr({ connect(probe.rawValue, $0, $1) }) == 0 {
            throw ControlSocketError("another hotplugd is already running on \(path) (stop it, or give this one another --socket)")
        }
        unlinkat(directory.descriptor.rawValue, name, 0)
    }
}
