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
/// opened again just before it is spawned.
final class SocketStage {
    private struct Opened {
        var request: SocketRequest
        /// The sockets every worker gets (shared), or each worker's own (reuseport; nil while closed).
        var shared: [ListeningSocket]
        var perWorker: [[ListeningSocket]?]
    }

    private var opened: [InstanceID: Opened] = [:]

    func setUp(_ id: InstanceID, _ request: SocketRequest) -> Result<StageOutcome, StageFailure> {
        do throws(StageFailure) {
            var entry = Opened(request: request, shared: [], perWorker: [])
            switch request.listen.mode {
            case .shared:
                entry.shared = try open(request)
            case .reuseport:
                for _ in 0..<request.workers { entry.perWorker.append(try open(request)) }
            }
            opened[id] = entry
            return .success(.sockets)
        } catch {
            // Whatever was opened before the failure closes with `entry`.
            return .failure(error)
        }
    }

    func tearDown(_ id: InstanceID) {
        opened.removeValue(forKey: id)
    }

    /// The sockets worker `index` receives, in LISTEN_FDS order; a
    /// reuseport worker's set is opened again if its last child closed it.
    func sockets(for id: InstanceID, worker index: Int) throws(StageFailure) -> [ListeningSocket] {
        guard var entry = opened[id] else { return [] }
        guard entry.request.listen.mode == .reuseport else { return entry.shared }
        while entry.perWorker.count <= index { entry.perWorker.append(nil) }
        if let set = entry.perWorker[index] { return set }
        let set = try open(entry.request)
        entry.perWorker[index] = set
        opened[id] = entry
        return set
    }

    /// A worker's child is gone: its reuseport sockets close so that no
    /// connection waits in a queue nobody accepts from.
    func workerExited(_ id: InstanceID, worker index: Int) {
        guard var entry = opened[id], entry.request.listen.mode == .reuseport, index < entry.perWorker.count else { return }
        entry.perWorker[index] = nil
        opened[id] = entry
    }

    /// The LISTEN_FDNAMES value for `count` sockets of this binding.
    func names(for id: InstanceID, count: Int) -> String {
        let name = opened[id]?.request.listen.name ?? id.binding
        return Array(repeating: name, count: count).joined(separator: ":")
    }

    /// What is open, by descriptor number, for the re-exec state.
    var reexecEntries: [ReexecState.Sockets] {
        opened.sorted { $0.key < $1.key }.map { id, entry in
            ReexecState.Sockets(instance: id, request: entry.request, shared: entry.shared.map { $0.descriptor.rawValue },
                                perWorker: entry.perWorker.map { $0?.map { $0.descriptor.rawValue } })
        }
    }

    /// Takes over the sockets a previous image opened; false when one of
    /// them was not handed over (the instance's sockets are then those taken).
    func adopt(_ entry: ReexecState.Sockets, take: (Int32) -> FileDescriptor?) -> Bool {
        var complete = true
        func sockets(_ numbers: [Int32]) -> [ListeningSocket] {
            var result: [ListeningSocket] = []
            for (number, spec) in zip(numbers, entry.request.listen.sockets) {
                if let descriptor = take(number) { result.append(ListeningSocket(adopting: descriptor, spec)) } else { complete = false }
            }
            return result
        }
        opened[entry.instance] = Opened(request: entry.request, shared: sockets(entry.shared),
                                        perWorker: entry.perWorker.map { $0.map(sockets) })
        return complete
    }

    private func open(_ request: SocketRequest) throws(StageFailure) -> [ListeningSocket] {
        var sockets: [ListeningSocket] = []
        for socket in request.listen.sockets {
            sockets.append(try ListeningSocket(socket, interface: request.interface, backlog: request.listen.backlog,
                                               reusePort: request.listen.mode == .reuseport))
        }
        return sockets
    }
}
