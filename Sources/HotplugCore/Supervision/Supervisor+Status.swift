/// One row of `hotplugd status`: one instance (worker) of an attachment, or
/// the attachment itself when its binding has no `[exec]`.
public struct StatusRow: Sendable, Equatable {
    public var binding: String
    public var device: DeviceID
    public var syspath: String
    public var devpath: String
    public var subsystem: String
    public var sysname: String
    public var interface: String?
    /// Which of the binding's `instances` children this row is; nil for a
    /// binding without `[exec]`.
    public var instance: Int?
    public var state: String
    /// The lifecycle stage the attachment is in or failed at; nil while settling.
    public var stage: Stage?
    public var pid: ProcessID?
    public var since: Instant
    public var restarts: Int
    public var lastExit: ChildExit?
    /// The last exit was a stop hotplugd asked for (restart, reload, remove).
    public var lastExitWasRequested = false
    /// In `backoff`: when the child is started again.
    public var nextTry: Instant?
    public var error: String?
}

extension Supervisor {
    /// Every attachment, by binding then device, one row per worker.
    public func status() -> [StatusRow] {
        var rows: [StatusRow] = []
        for attachment in attachments.values.sorted(by: { $0.id < $1.id }) {
            guard let device = devices[attachment.id.device] else { continue }
            let count = configuration.binding(named: attachment.id.binding)?.exec?.instances ?? max(attachment.workers.count, 1)
            let hasWorkers = configuration.binding(named: attachment.id.binding)?.exec != nil || !attachment.workers.isEmpty
            for index in 0..<(hasWorkers ? max(count, attachment.workers.count) : 1) {
                let worker = index < attachment.workers.count ? attachment.workers[index] : nil
                let state = attachment.rowState(index)
                let fromWorker = if case .worker = state { true } else { false }
                rows.append(StatusRow(
                    binding: attachment.id.binding, device: device.id, syspath: device.facts.syspath,
                    devpath: device.facts.devpath, subsystem: device.facts.subsystem, sysname: device.facts.sysname,
                    interface: device.interface, instance: hasWorkers ? index : nil, state: state.name,
                    stage: attachment.stage(state), pid: state.pid,
                    since: fromWorker ? worker?.since ?? attachment.since : attachment.since,
                    restarts: worker?.restarts ?? 0, lastExit: worker?.lastExit,
                    lastExitWasRequested: worker?.lastExitWasRequested ?? false,
                    nextTry: state.nextTry, error: state.error))
            }
        }
        return rows
    }

    /// What the shell must read of a device with this subsystem and kernel
    /// name; nil when no binding can match it, whatever its other facts.
    public func factNeeds(subsystem: String, sysname: String) -> FactNeeds? {
        matchTable.factNeeds(subsystem: subsystem, sysname: sysname)
    }

    /// The device an attachment runs for, for the shell's log lines.
    public func deviceFacts(_ id: DeviceID) -> DeviceFacts? { devices[id]?.facts }
    public func interfaceName(_ id: DeviceID) -> String? { devices[id]?.interface }

    /// "3 devices, 2 running, 1 failed": for sd_notify STATUS= and logs.
    /// Counted straight from the attachments: the daemon asks after every
    /// wake-up, so it must not build the whole status.
    public var summary: String {
        let devices = attachments.deviceCount
        let states = attachments.rowStateCounts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        return "\(devices) device\(devices == 1 ? "" : "s")" + (states.isEmpty ? "" : ", " + states.joined(separator: ", "))
    }
}
