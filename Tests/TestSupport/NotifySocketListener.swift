import Glibc

/// Plays systemd's side of `NOTIFY_SOCKET`: a bound AF_UNIX datagram socket
/// whose messages a test reads back, one string per sd_notify() call.
public final class NotifySocketListener {
    /// What to put in `NOTIFY_SOCKET` to reach this socket.
    public let notifySocket: String
    private let fileDescriptor: Int32
    /// Keeps the socket file's directory until the listener goes away.
    private let directory: TemporaryDirectory?

    /// A socket file in a fresh temporary directory.
    public init() throws {
        let directory = try TemporaryDirectory(prefix: "hotplugd-notify")
        let path = directory.path + "/notify.sock"
        self.directory = directory
        notifySocket = path
        fileDescriptor = try Self.bind(name: Array(path.utf8))
    }

    /// A socket in the abstract namespace, which systemd also hands out
    /// (`NOTIFY_SOCKET=@name`): the name has a leading NUL and no file.
    public init(abstractName: String) throws {
        directory = nil
        notifySocket = "@" + abstractName
        fileDescriptor = try Self.bind(name: [0] + Array(abstractName.utf8))
    }

    deinit { close(fileDescriptor) }

    /// Every datagram sent so far, oldest first. sd_notify() has queued its
    /// datagram by the time it returns, so nothing needs to be waited for.
    public func receiveAll() -> [String] {
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fileDescriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return messages }
            messages.append(String(decoding: buffer[0..<count], as: UTF8.self))
        }
    }

    private static func bind(name: [UInt8]) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket(AF_UNIX, SOCK_DGRAM) failed: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard name.count < capacity else {
            close(fd)
            throw TestFailure("socket name too long: \(name.count) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: name) }
        // The exact length, as sd_notify() computes it: an abstract name's
        // trailing bytes would otherwise be part of the name.
        let length = socklen_t((MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? MemoryLayout<sa_family_t>.size) + name.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let error = errno
            close(fd)
            throw TestFailure("bind notify socket failed: errno \(error)")
        }
        return fd
    }
}
