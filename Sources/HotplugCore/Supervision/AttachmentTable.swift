/// The supervisor's attachments, with the indexes its per-event work needs:
/// by device, by child pid, by deadline, and the state counts of the
/// summary. Each is brought up to date on every change of an attachment, so
/// no event has to scan them all: with a scan per event, a storm of N
/// devices cost O(N²) (measured: 10% of the daemon's CPU at 400 devices).
struct AttachmentTable: Sendable {
    private var storage: [AttachmentID: Attachment] = [:]
    private var byDevice: [DeviceID: Set<AttachmentID>] = [:]
    private var byPID: [ProcessID: Set<AttachmentID>] = [:]
    private var deadlines = DeadlineQueue()
    private var stateCounts: [String: Int] = [:]

    subscript(id: AttachmentID) -> Attachment? {
        get { storage[id] }
        _modify {
            // A copy shares the workers' storage: nothing is allocated here.
            let before = storage[id]
            yield &storage[id]
            reindex(id, from: before, to: storage[id])
        }
    }

    @discardableResult
    mutating func removeValue(forKey id: AttachmentID) -> Attachment? {
        guard let removed = storage.removeValue(forKey: id) else { return nil }
        reindex(id, from: removed, to: nil)
        return removed
    }

    var values: Dictionary<AttachmentID, Attachment>.Values { storage.values }
    var keys: Dictionary<AttachmentID, Attachment>.Keys { storage.keys }
    var isEmpty: Bool { storage.isEmpty }

    /// The device's attachments, in `AttachmentID` order.
    func ids(of device: DeviceID) -> [AttachmentID] {
        byDevice[device].map { $0.sorted() } ?? []
    }

    /// The attachment with a worker whose child, or leftover group, has this pid.
    func id(withPID pid: ProcessID) -> AttachmentID? {
        byPID[pid]?.min()
    }

    var nextDeadline: Instant? { deadlines.earliest }

    /// The attachments with a deadline at or before `now`, in `AttachmentID` order.
    func due(at now: Instant) -> [AttachmentID] {
        deadlines.due(at: now).sorted()
    }

    /// Devices with an attachment (every attachment's device is tracked), and
    /// attachments by the state their status rows show.
    var deviceCount: Int { byDevice.count }
    var rowStateCounts: [String: Int] { stateCounts }

    /// Compares what the indexes know of the attachment before and after a
    /// change, without building anything unless it differs.
    private mutating func reindex(_ id: AttachmentID, from before: Attachment?, to after: Attachment?) {
        if before == nil, after != nil { byDevice[id.device, default: []].insert(id) }
        if before != nil, after == nil {
            byDevice[id.device]?.remove(id)
            if byDevice[id.device]?.isEmpty == true { byDevice.removeValue(forKey: id.device) }
        }
        let (oldDeadline, newDeadline) = (before?.deadline, after?.deadline)
        if oldDeadline != newDeadline { deadlines.set(id, before: oldDeadline, after: newDeadline) }
        let noWorkers: [Worker] = []
        let oldPIDs = (before?.workers ?? noWorkers).lazy.compactMap(\.state.pid)
        let newPIDs = (after?.workers ?? noWorkers).lazy.compactMap(\.state.pid)
        if !oldPIDs.elementsEqual(newPIDs) {
            for pid in oldPIDs {
                byPID[pid]?.remove(id)
                if byPID[pid]?.isEmpty == true { byPID.removeValue(forKey: pid) }
            }
            for pid in newPIDs { byPID[pid, default: []].insert(id) }
        }
        if !Self.sameRowStates(before, after) {
            countRowStates(before, -1)
            countRowStates(after, +1)
        }
    }

    /// Whether the attachment's status rows (see `summary`) show the same states.
    private static func sameRowStates(_ before: Attachment?, _ after: Attachment?) -> Bool {
        guard let before, let after else { return before == nil && after == nil }
        switch (before.state == .supervising, after.state == .supervising) {
        case (false, false): return before.state.name == after.state.name
        case (true, true):
            return before.workers.count == after.workers.count
                && zip(before.workers, after.workers).allSatisfy { $0.state.name == $1.state.name }
        default: return false
        }
    }

    private mutating func countRowStates(_ attachment: Attachment?, _ delta: Int) {
        guard let attachment else { return }
        if attachment.state == .supervising {
            for worker in attachment.workers { count(worker.state.name, delta) }
        } else {
            count(attachment.state.name, delta)
        }
    }

    private mutating func count(_ state: String, _ delta: Int) {
        let total = stateCounts[state, default: 0] + delta
        if total == 0 { stateCounts.removeValue(forKey: state) } else { stateCounts[state] = total }
    }
}

/// Attachments ordered by deadline, for the earliest and the due ones
/// without a scan. A sorted array: inserting moves memory, but even
/// thousands of deadlines are a few kilobytes.
struct DeadlineQueue: Sendable {
    private struct Entry: Sendable {
        var at: Instant
        var id: AttachmentID
    }
    private var entries: [Entry] = []

    var earliest: Instant? { entries.first?.at }

    func due(at now: Instant) -> [AttachmentID] {
        entries.prefix { $0.at <= now }.map(\.id)
    }

    mutating func set(_ id: AttachmentID, before: Instant?, after: Instant?) {
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

    private func position(of id: AttachmentID, at: Instant) -> Int? {
        var index = insertionPoint(at)
        while index < entries.count, entries[index].at == at {
            if entries[index].id == id { return index }
            index += 1
        }
        return nil
    }
}
