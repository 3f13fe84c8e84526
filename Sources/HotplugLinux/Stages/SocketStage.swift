import Glibc
import HotplugCore

/// The sockets stage's executor: opens each binding's `[listen]` sockets on
/// a device, keeps them while the device is present (a child that crashes
/// or restarts does not make the port refuse connections), and hands them
/// to the children.
///
/// With `mode = "reuseport"` each worker has a set of its own in one
/// SO_REUSEPORT group. The kernel keeps steering connections to a socket
/// whose worker died, where nobody would accept them; so a worker's set is
/// closed when its child exits (the others take the new connections) and
/// opened again just before it is spawned. The last set open is never
/// closed that way: it is kept, and handed to the next worker that starts,
/// so the port stays hotplugd's while every worker is restarting (no local
/// program can take it in the restart delay), and the connections that
/// arrive meanwhile wait there for that worker.
final class SocketStage<Opener: SocketOpening>: StageExecutor {
    private struct Opened {
        var request: SocketRequest
        /// The sockets every worker gets (shared), or each worker's own (reuseport; nil while closed).
        var shared: [ListeningSocket]
        var perWorker: [[ListeningSocket]?]
        /// reuseport: the set of the last worker that exited while no other
        /// set was open, kept for the next worker that starts.
        var kept: [ListeningSocket]?

        var all: [ListeningSocket] { shared + perWorker.flatMap { $0 ?? [] } + (kept ?? []) }
    }

    private var opened: [AttachmentID: Opened] = [:]
    let opener: Opener

    init(opener: Opener) {
        self.opener = opener
    }

    func setUp(_ id: AttachmentID, _ setup: StageSetup) -> Result<StageOutcome, StageFailure>? {
        guard case .sockets(let request) = setup else { return .failure(.misrouted(.sockets, setup)) }
        return setUp(id, request)
    }

    func setUp(_ id: AttachmentID, _ request: SocketRequest) -> Result<StageOutcome, StageFailure> {
        do throws(StageFailure) {
            var entry = Opened(request: request, shared: [], perWorker: [])
            switch request.listen.mode {
            case .shared:
                entry.shared = try open(request, for: id)
            case .reuseport:
                for _ in 0..<request.workers { entry.perWorker.append(try open(request, for: id)) }
            }
            opened[id] = entry
            return .success(.sockets)
        } catch {
            // Whatever was opened before the failure closes with `entry`.
            return .failure(error)
        }
    }

    func tearDown(_ id: AttachmentID) {
        opened.removeValue(forKey: id)
    }

    /// The sockets worker `index` receives, in LISTEN_FDS order; a
    /// reuseport worker's set is the kept one, or opened again, if its last
    /// child closed it. A stream socket a child shut down (it no longer
    /// accepts, for every holder) listens again, or is opened anew, and
    /// `report` says so: otherwise every restart would be handed the same
    /// dead socket.
    func sockets(for id: AttachmentID, worker index: Int, report: (String) -> Void) throws(StageFailure) -> [ListeningSocket] {
        guard var entry = opened[id] else { return [] }
        if entry.request.listen.mode == .shared {
            entry.shared = try revived(entry.shared, entry.request, for: id, report: report)
            opened[id] = entry
            return entry.shared
        }
        while entry.perWorker.count <= index { entry.perWorker.append(nil) }
        let set: [ListeningSocket]
        if let own = entry.perWorker[index] {
            set = own
        } else if let kept = entry.kept {
            set = kept
        } else {
            set = try open(entry.request, for: id)
        }
        entry.kept = nil
        entry.perWorker[index] = try revived(set, entry.request, for: id, report: report)
        opened[id] = entry
        return entry.perWorker[index] ?? []
    }

    /// A worker's child is gone: its reuseport sockets close so that no
    /// connection waits in a queue nobody accepts from, unless no other
    /// worker's are open: then they are kept, and the port with them.
    func workerExited(_ id: AttachmentID, worker index: Int) {
        guard var entry = opened[id], entry.request.listen.mode == .reuseport, index < entry.perWorker.count,
              let set = entry.perWorker[index] else { return }
        entry.perWorker[index] = nil
        if entry.kept == nil, entry.perWorker.allSatisfy({ $0 == nil }) { entry.kept = set }
        opened[id] = entry
    }

    /// The LISTEN_FDNAMES value for `count` sockets of this binding.
    func names(for id: AttachmentID, count: Int) -> String {
        let name = opened[id]?.request.listen.name ?? id.binding
        return Array(repeating: name, count: count).joined(separator: ":")
    }

    /// What is open, by descriptor number, for the re-exec state.
    var reexecEntries: [ReexecState.Sockets] {
        opened.sorted { $0.key < $1.key }.map { id, entry in
            ReexecState.Sockets(attachment: id, request: entry.request, shared: entry.shared.map { $0.descriptor.rawValue },
                                perWorker: entry.perWorker.map { $0?.map { $0.descriptor.rawValue } },
                                kept: entry.kept?.map { $0.descriptor.rawValue })
        }
    }

    /// Takes over the sockets a previous image opened; false when one of
    /// them was not handed over (the attachment's sockets are then those taken).
    func adopt(_ entry: ReexecState.Sockets, take: (Int32) -> FileDescriptor?) -> Bool {
        var complete = true
        func sockets(_ numbers: [Int32]) -> [ListeningSocket] {
            var result: [ListeningSocket] = []
            for (number, spec) in zip(numbers, entry.request.listen.sockets) {
                if let descriptor = take(number) { result.append(ListeningSocket(adopting: descriptor, spec, backlog: entry.request.listen.backlog)) } else { complete = false }
            }
            return result
        }
        opened[entry.attachment] = Opened(request: entry.request, shared: sockets(entry.shared),
                                        perWorker: entry.perWorker.map { $0.map(sockets) }, kept: entry.kept.map(sockets))
        return complete
    }

    private func revived(_ set: [ListeningSocket], _ request: SocketRequest, for id: AttachmentID,
                         report: (String) -> Void) throws(StageFailure) -> [ListeningSocket] {
        guard set.contains(where: { !$0.accepts(opener) }) else { return set }
        var result: [ListeningSocket] = []
        for socket in set {
            if socket.accepts(opener) {
                result.append(socket)
            } else if socket.listenAgain(opener) {
                report("the [listen] socket \(socket.socket) stopped accepting (a child shut it down); listening on it again")
                result.append(socket)
            } else {
                report("the [listen] socket \(socket.socket) stopped accepting (a child shut it down); opening it again")
                result.append(try open(socket.socket, request, for: id))
            }
        }
        return result
    }

    private func open(_ request: SocketRequest, for id: AttachmentID) throws(StageFailure) -> [ListeningSocket] {
        var sockets: [ListeningSocket] = []
        for socket in request.listen.sockets { sockets.append(try open(socket, request, for: id)) }
        return sockets
    }

    private func open(_ socket: ListenSocket, _ request: SocketRequest, for id: AttachmentID) throws(StageFailure) -> ListeningSocket {
        if request.listen.bindToDevice, request.ifindex == nil {
            throw StageFailure(.sockets, "cannot \(Self.verb(socket)): the interface's index is unknown, so it cannot be bound to it")
        }
        do {
            let descriptor = try opener.open(socket, ifindex: request.listen.bindToDevice ? request.ifindex : nil,
                                             backlog: request.listen.backlog, reusePort: request.listen.mode == .reuseport)
            return ListeningSocket(adopting: descriptor, socket, backlog: request.listen.backlog)
        } catch {
            throw failure(error, request, for: id)
        }
    }

    /// The failure in words; a port in use says who holds it. When that is
    /// hotplugd itself (another device's attachment whose sockets close once
    /// its children have stopped, as in a quick replug), the core retries
    /// the stage when they close.
    private func failure(_ error: ListeningSocket.OpenFailure, _ request: SocketRequest, for id: AttachmentID) -> StageFailure {
        let what = "cannot \(Self.verb(error.socket))"
        if error.bindingToDevice {
            let name = request.interface.map { Printable.escaped($0) } ?? "?"
            return StageFailure(.sockets, "\(what): binding to interface \(name) (index \(request.ifindex ?? 0)): \(errnoText(error.errno))")
        }
        guard error.inUse else { return StageFailure(.sockets, "\(what): \(errnoText(error.errno))") }
        if let holder = opened.first(where: { $0.key != id && Self.holds($0.value, error.socket) })?.key {
            var failure = StageFailure(.sockets, "\(what): the port is still held by hotplugd itself (binding '\(holder.binding)' on another device, whose children are stopping); retried when it closes")
            failure.awaitsOwnSockets = true
            return failure
        }
        let holder = PortHolder.describe(error.socket).map { " (\($0))" } ?? ""
        return StageFailure(.sockets, "\(what): the port is already in use by another program\(holder)")
    }

    private static func holds(_ entry: Opened, _ socket: ListenSocket) -> Bool {
        entry.all.contains { $0.socket.kind == socket.kind && $0.socket.address.port == socket.address.port }
    }

    private static func verb(_ socket: ListenSocket) -> String {
        socket.kind == .stream ? "listen on \(socket.address)" : "bind datagram \(socket.address)"
    }
}
