/// The supervisor's instances, with the indexes its per-event work needs:
/// by device, by child pid, by deadline, and the state counts of the
/// summary. Each is brought up to date on every change of an instance, so
/// no event has to scan them all: with a scan per event, a storm of N
/// devices cost O(N²) (measured: 10% of the daemon's CPU at 400 devices).
struct InstanceTable: Sendable {
    private var storage: [InstanceID: Instance] = [:]
    private var byDevice: [DeviceID: Set<InstanceID>] = [:]
    private var byPID: [Int32: Set<InstanceID>] = [:]
    private var deadlines = DeadlineQueue()
    private var stateCounts: [String: Int] = [:]

    /// What the indexes know of one instance.
    private struct Keys: Equatable {
        var deadline: Instant?
        var pids: [Int32]
        var states: [String]

        init(_ instance: Instance) {
            deadline = instance.deadline
            pids = instance.workers.compactMap(\.state.pid)
            states = instance.state == .supervising ? instance.workers.map(\.state.name) : [instance.state.name]
        }
    }

    subscript(id: InstanceID) -> Instance? {
        get { storage[id] }
        _modify {
            let before = storage[id].map(Keys.init)
            yield &storage[id]
            reindex(id, from: before, to: storage[id].map(Keys.init))
        }
    }

    @discardableResult
    mutating func removeValue(forKey id: InstanceID) -> Instance? {
        guard let removed = storage.removeValue(forKey: id) else { return nil }
        reindex(id, from: Keys(removed), to: nil)
        return removed
    }

    var values: Dictionary<InstanceID, Instance>.Values { storage.values }
    var keys: Dictionary<InstanceID, Instance>.Keys { storage.keys }
    var isEmpty: Bool { storage.isEmpty }

    /// The device's instances, in `InstanceID` order.
    func ids(of device: DeviceID) -> [InstanceID] {
        byDevice[device].map { $0.sorted() } ?? []
    }

    /// The instance with a worker whose child, or leftover group, has this pid.
    func id(withPID pid: Int32) -> InstanceID? {
        byPID[pid]?.min()
    }

    var nextDeadline: Instant? { deadlines.earliest }

    /// The instances with a deadline at or before `now`, in `InstanceID` order.
    func due(at now: Instant) -> [InstanceID] {
        deadlines.due(at: now).sorted()
    }

    /// Devices with an instance (every instance's device is tracked), and
    /// instances by the state their status rows show.
    var deviceCount: Int { byDevice.count }
    var rowStateCounts: [String: Int] { stateCounts }

    private mutating func reindex(_ id: InstanceID, from before: Keys?, to after: Keys?) {
        if before == nil, after != nil { byDevice[id.device, default: []].insert(id) }
        if before != nil, after == nil {
            byDevice[id.device]?.remove(id)
            if byDevice[id.device]?.isEmpty == true { byDevice.removeValue(forKey: id.device) }
        }
        guard before != after else { return }
        if before?.deadline != after?.deadline { deadlines.set(id, before: before?.deadline, after: after?.deadline) }
        if before?.pids != after?.pids {
            for pid in before?.pids ?? [] {
                byPID[pid]?.remove(id)
                if byPID[pid]?.isEmpty == true { byPID.removeValue(forKey: pid) }
            }
            for pid in after?.pids ?? [] { byPID[pid, default: []].insert(id) }
        }
        if before?.states != after?.states {
            for state in before?.states ?? [] {
                stateCounts[state, default: 0] -= 1
                if stateCounts[state] == 0 { stateCounts.removeValue(forKey: state) }
            }
            for state in after?.states ?? [] { stateCounts[state, default: 0] += 1 }
        }
    }
}

/// Instances ordered by deadline, for the earliest and the due ones
/// without a scan. A sorted array: inserting moves memory, but even
/// thousands of deadlines are a few kilobytes.
struct DeadlineQueue: Sendable {
    private struct Entry: Sendable {
        var at: Instant
        var id: InstanceID
    }
    private var entries: [Entry] = []

    var earliest: Instant? { entries.first?.at }

    func due(at now: Instant) -> [InstanceID] {
        entries.prefix { $0.at <= now }.map(\.id)
    }

    mutating func set(_ id: InstanceID, before: Instant?, after: Instant?) {
        if let before, let index = position(of: id, at: before) { entries.remove(at: index) }
        if let after { entries.insert(Entry(at: after, id: id), at: insertionPoint(after)) }
    }

    /// The first entry not earlier than `at`.
    private func insertionPoint(_ at: Instant) -> Int {
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].at < at { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private func position(of id: InstanceID, at: Instant) -> Int? {
        var index = insertionPoint(at)
        while index < entries.count, entries[index].at == at {
            if entries[index].id == id { return index }
            index += 1
        }
        return nil
    }
}
