import Glibc

/// The client side, for `hotplugd status`, `reload` and `restart`.
public enum ControlClient {
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// Nobody listens: the daemon is not running.
        case noDaemon(path: String, reason: String)
        case failed(String)

        public var description: String {
            switch self {
            case .noDaemon(let path, let reason): "hotplugd is not running: nothing listens on \(path) (\(reason))"
            case .failed(let reason): reason
            }
        }
    }

    public static let defaultPath = "/run/hotplugd/control.sock"

    /// `--socket`, else `HOTPLUGD_SOCKET`, else the default.
    public static func path(option: String?) -> String {
        if let option { return option }
        if let environment = getenv("HOTPLUGD_SOCKET"), environment.pointee != 0 { return String(cString: environment) }
        return defaultPath
    }

    /// Sends one request line and returns the one-line answer. Bounded: 16 MiB
    /// of answer at most, `timeoutSeconds` of waiting at most (10 by default).
    public static func send(_ line: String, to path: String, timeoutSeconds: Int = 10) throws(Failure) -> String {
        guard let address = UnixSocketAddress(path: path) else { throw .failed("invalid socket path '\(path)'") }
        // Closed on every way out of this function, with the owner.
        guard let connection = FileDescriptor(adopting: socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0))
        else { throw .failed("socket: \(errnoText())") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(connection.rawValue, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(connection.rawValue, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if address.withSockaddr({ connect(connection.rawValue, $0, $1) }) != 0 {
            let code = errno
            if code == ENOENT || code == ECONNREFUSED { throw .noDaemon(path: path, reason: errnoText(code)) }
            throw .failed("connect \(path): \(errnoText(code))")
        }
        let request = Array((line + "\n").utf8)
        var sent = 0
        while sent < request.count {
            let count = request.withUnsafeBytes { Glibc.send(connection.rawValue, $0.baseAddress.map { $0 + sent }, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .failed("send to \(path): \(errnoText())")
            }
            sent += count
        }
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while answer.count < 16 << 20 {
            let count = chunk.withUnsafeMutableBytes { recv(connection.rawValue, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .failed("no answer from the daemon on \(path): \(errnoText())")
            }
            if count == 0 { break }
            answer += chunk[0..<count]
            if answer.last == 0x0a { break }
        }
        return String(decoding: answer, as: UTF8.self).trimmingTrailingNewline
    }
}

extension String {
    var trimmingTrailingNewline: String { hasSuffix("\n") ? String(dropLast()) : self }
}
