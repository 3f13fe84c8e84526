import CHotplugSocket
import Glibc

/// One client of the control socket. Reads one request line, answers once,
/// closes. Everything is non-blocking and bounded: a client that never
/// sends, sends megabytes, or vanishes mid-request costs one fd at most.
public final class ControlConnection {
    /// Nil once closed: the daemon closes a connection it drops at once
    /// rather than when the last reference to the object goes.
    private var descriptor: FileDescriptor?
    private var input: [UInt8] = []
    private var output: [UInt8] = []
    private var written = 0
    /// Set once a request was taken: further input is ignored.
    private var answered = false

    /// The peer's uid from SO_PEERCRED, read once at accept: the kernel
    /// recorded it at connect, and it decides what the peer may do and
    /// which connection makes room for which.
    public let peer: uid_t?

    init(descriptor: consuming FileDescriptor) {
        var uid: uid_t = 0
        peer = hotplug_peer_uid(descriptor.rawValue, &uid) == 0 ? uid : nil
        self.descriptor = .some(descriptor)
    }

    public var isClosed: Bool { descriptor == nil }

    public func close() {
        descriptor.take()?.close()
    }

    /// The socket for this connection's own calls; -1 once closed, which
    /// every call refuses with EBADF, so a closed connection reads as closed.
    private var socketNumber: Int32 { descriptor?.rawValue ?? -1 }

    /// The peer's uid from SO_PEERCRED, as the kernel recorded at connect.
    public var peerUID: uid_t? { peer }

    public enum ReadResult: Equatable {
        case needMore
        case line(String)
        case tooLong
        case closed
    }

    /// Reads what is available; a complete line once one has arrived.
    public func readRequest() -> ReadResult {
        guard !answered else { return drainAfterAnswer() }
        var chunk = [UInt8](repeating: 0, count: 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(socketNumber, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                return errno == EAGAIN || errno == EWOULDBLOCK ? .needMore : .closed
            }
            if count == 0 {
                // EOF: a last line without newline still counts.
                return input.isEmpty ? .closed : takeLine(upTo: input.count)
            }
            input += chunk[0..<count]
            if let newline = input.firstIndex(of: 0x0a) { return takeLine(upTo: newline) }
            if input.count > ControlRequestLimits.maximumLineBytes { answered = true; return .tooLong }
        }
    }

    private func takeLine(upTo end: Int) -> ReadResult {
        answered = true
        guard end <= ControlRequestLimits.maximumLineBytes else { return .tooLong }
        return .line(String(decoding: input[0..<end], as: UTF8.self))
    }

    private func drainAfterAnswer() -> ReadResult {
        var sink = [UInt8](repeating: 0, count: 4096)
        let count = sink.withUnsafeMutableBytes { recv(socketNumber, $0.baseAddress, $0.count, 0) }
        return count == 0 ? .closed : .needMore
    }

    /// Queues the answer; `flush` sends as much as the socket takes.
    public func respond(_ text: String) {
        output = Array(text.utf8) + [0x0a]
        written = 0
    }

    /// True when everything was sent (then the connection can be closed).
    public func flush() -> Bool {
        while written < output.count {
            let count = output.withUnsafeBytes { raw in
                send(socketNumber, raw.baseAddress.map { $0 + written }, raw.count - written, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return false }
                return true
            }
            written += count
        }
        return true
    }

    public var hasPendingOutput: Bool { written < output.count }
}

extension ControlConnection: EpollWatchable {
    /// A closed connection has nothing to watch: EBADF, as epoll_ctl would say.
    public func withWatchedDescriptor<Result>(
        _ body: (borrowing FileDescriptor) throws(SystemCallError) -> Result
    ) throws(SystemCallError) -> Result {
        switch descriptor {
        case .some(let open): return try body(open)
        case .none: throw SystemCallError("epoll_ctl(closed control connection)", errno: EBADF)
        }
    }
}

import HotplugCore

enum ControlRequestLimits {
    static let maximumLineBytes = ControlRequest.maximumLineBytes
}
