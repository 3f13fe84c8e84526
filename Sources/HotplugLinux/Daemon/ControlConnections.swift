import Glibc
import HotplugCore
import Logging

/// The control socket's open connections as a component of the daemon:
/// non-blocking, one request per connection, a bounded number of them,
/// each watched under a token of its own. What a request is answered with
/// is the daemon's (`serve`'s `handle`).
final class ControlConnections {
    static let maximumConnections = 64
    /// What one uid other than root may hold open at once: a flood from a
    /// few users of the socket's group fills a bounded share, never the
    /// whole table.
    static let maximumConnectionsPerPeer = 8

    /// Control connections: a bit no other token has, plus the
    /// connection's id. Not its descriptor number: the kernel hands a
    /// closed number out again, and a stale readiness would then reach
    /// whichever connection got it.
    static let tokenFlag: UInt64 = 1 << 40
    static let tokenIDs: UInt64 = tokenFlag - 1
    static func token(_ id: UInt64) -> UInt64 { tokenFlag | (id & tokenIDs) }
    /// The connection a token of this component names; nil for another's token.
    static func connectionID(_ token: UInt64) -> UInt64? { token & tokenFlag != 0 ? token & tokenIDs : nil }

    let epoll: Epoll
    let logger: Logger
    /// Open connections by id; a lower id is an older connection.
    private var connections: [UInt64: ControlConnection] = [:]
    private var lastID: UInt64 = 0

    init(epoll: Epoll, logger: Logger) {
        self.epoll = epoll
        self.logger = logger
    }

    var count: Int { connections.count }

    subscript(id: UInt64) -> ControlConnection? { connections[id] }

    /// Everything the listening socket has queued.
    func acceptAll(from server: ControlServer) {
        for connection in server.acceptAll() {
            guard makeRoom(for: connection.peer) else {
                connection.close()
                continue
            }
            let id = nextID()
            do {
                try epoll.add(connection, token: Self.token(id), events: .readable)
                connections[id] = connection
            } catch {
                logger.warning("cannot watch a control connection: \(error)")
                connection.close()
            }
        }
    }

    /// Wraps after 2^40 connections; by then the id's last owner is long gone.
    private func nextID() -> UInt64 {
        lastID = (lastID + 1) & Self.tokenIDs
        return lastID
    }

    /// Room for a new connection from `peer`, made by closing the oldest
    /// connection (most likely a client that never sends) of the same peer
    /// when it holds its share, else the oldest of a peer other than root
    /// when the table is full: root's requests are never pushed out by
    /// others. False (refuse the newcomer) when only root's are left.
    func makeRoom(for peer: uid_t?) -> Bool {
        let isRoot = peer == 0
        if !isRoot {
            let own = connections.filter { $0.value.peer == peer }
            if own.count >= Self.maximumConnectionsPerPeer, let oldest = own.keys.min() {
                drop(oldest)
                return true
            }
        }
        guard connections.count >= Self.maximumConnections else { return true }
        if let oldest = connections.filter({ $0.value.peer != 0 }).keys.min() {
            drop(oldest)
            return true
        }
        guard isRoot, let oldest = connections.keys.min() else { return false }
        drop(oldest)
        return true
    }

    /// The connection became readable (or writable, with an answer
    /// pending). `handle` answers a request line from a peer; nil when the
    /// answer comes later, through `respond`.
    func serve(_ id: UInt64, handle: (_ line: String, _ peer: uid_t?) -> String?) {
        guard let connection = connections[id] else { return }
        if connection.hasPendingOutput {
            if connection.flush() { drop(id) }
            return
        }
        switch connection.readRequest() {
        case .needMore:
            return
        case .closed:
            drop(id)
            return
        case .tooLong:
            connection.respond(Daemon.failure("request longer than \(ControlRequest.maximumLineBytes) bytes"))
        case .line(let line):
            guard let answer = handle(line, connection.peerUID) else { return }
            connection.respond(answer)
        }
        flushOrWait(id, connection)
    }

    /// Answers the request of connection `id`, if it is still open.
    func respond(_ id: UInt64, _ text: String) {
        guard let connection = connections[id] else { return }
        connection.respond(text)
        flushOrWait(id, connection)
    }

    /// The requester's connection, carried across a re-exec: answered, and
    /// flushed by the loop if the client reads slowly.
    func adopt(_ connection: ControlConnection, answer text: String) {
        let id = nextID()
        connections[id] = connection
        do { try epoll.add(connection, token: Self.token(id), events: .readable) } catch {}
        respond(id, text)
    }

    func drop(_ id: UInt64) {
        guard let connection = connections.removeValue(forKey: id) else { return }
        try? epoll.remove(connection)
        connection.close()
    }

    private func flushOrWait(_ id: UInt64, _ connection: ControlConnection) {
        if connection.flush() {
            drop(id)
        } else {
            // The client reads slowly: wait until its socket takes more.
            try? epoll.modify(connection, token: Self.token(id), events: .writable)
        }
    }
}
