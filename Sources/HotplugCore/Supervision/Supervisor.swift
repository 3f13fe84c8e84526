/// The per-device state machine: events and time in, effects out. Pure, so
/// tests drive it with fake devices and a fake clock; the daemon's shell
/// carries out the effects and feeds their results back as events.
public struct Supervisor: Sendable {
    public internal(set) var configuration: Configuration {
        didSet { matchTable = MatchTable(configuration.bindings) }
    }
    /// The bindings' match rules, indexed for the per-event matching.
    var matchTable: MatchTable
    var devices: [DeviceID: TrackedDevice] = [:]
    /// The live devices by identity (devpath and ifindex, as bytes).
    var identities = TrackedIdentities()
    var attachments = AttachmentTable()
    /// Attachments whose sockets stage failed on a port another attachment of
    /// ours still holds: set up again when an attachment's sockets close.
    var socketWaiters: Set<AttachmentID> = []
    var nextDeviceNumber: UInt64 = 1
    public internal(set) var isShuttingDown = false
    var effects: [Effect] = []
    var now = Instant(nanoseconds: 0)
    /// Counts for `hotplugd metrics`; the shell counts its part in here too.
    public var metrics = Metrics()

    /// A child that stayed up this long has recovered: the next failure
    /// starts again from `restart-delay`.
    public static let healthyUptime = TimeSpan.seconds(10)

    public init(configuration: Configuration) {
        self.configuration = configuration
        matchTable = MatchTable(configuration.bindings)
    }

    public enum Event: Sendable, Equatable {
        /// An add event, or a device found by the start-up enumeration.
        case deviceAdded(DeviceFacts)
        /// change, bind, unbind: match again.
        case deviceChanged(DeviceFacts)
        /// A rename or move; `DEVPATH_OLD` in the facts' properties when known.
        case deviceMoved(DeviceFacts)
        case deviceRemoved(devpath: String, ifindex: Int32?)
        /// Every device present now (after coldplug or lost events): what is
        /// tracked but absent is removed, what is present but unknown is added.
        case present([DeviceFacts])
        /// The shell's answer to `.setUp`.
        case stageSetUp(AttachmentID, Result<StageOutcome, StageFailure>)
        case childExited(pid: ProcessID, ChildExit)
        /// The child is gone but processes it started are still in its
        /// process group (a daemon it left in the background).
        case childLeftProcesses(pid: ProcessID)
        /// Nothing is left in the process group of that ended child.
        case leftoversGone(pid: ProcessID)
        /// New bindings, and, when the shell could enumerate, every device
        /// present with the facts the new bindings read: the kept facts were
        /// read for the old bindings and may lack what the new ones match on.
        case reload(Configuration, present: [DeviceFacts]? = nil)
        /// `hotplugd restart BINDING [DEVICE]`; device is a syspath, devpath or interface name.
        case restart(binding: String, device: String?)
        case shutdown
        /// Time passed: deadlines up to `now` are due.
        case tick
    }

    /// Applies one event at `now` and returns what the shell must do, in order.
    public mutating func handle(_ event: Event, now: Instant) -> [Effect] {
        self.now = max(self.now, now)
        effects = []
        metrics.began(event, at: self.now)
        switch event {
        case .deviceAdded(let facts): deviceAdded(facts)
        case .deviceChanged(let facts): deviceChanged(facts)
        case .deviceMoved(let facts): deviceMoved(facts)
        case .deviceRemoved(let devpath, let ifindex): deviceRemoved(devpath: devpath, ifindex: ifindex)
        case .present(let all): reconcile(all)
        case .stageSetUp(let id, let result): stageSetUp(id, result)
        case .childExited(let pid, let exit): childExited(pid: pid, exit)
        case .childLeftProcesses(let pid): childLeftProcesses(pid: pid)
        case .leftoversGone(let pid): leftoversGone(pid: pid)
        case .reload(let configuration, let present): reload(configuration, present: present)
        case .restart(let binding, let device): restart(binding: binding, device: device)
        case .shutdown: shutdown()
        case .tick: break
        }
        fireDueDeadlines()
        metrics.ended()
        if isShuttingDown && attachments.isEmpty && !effects.contains(.exit) { effects.append(.exit) }
        return effects
    }

    /// The earliest moment a `.tick` has something to do; nil when idle.
    public var nextDeadline: Instant? {
        attachments.nextDeadline
    }

    mutating func log(_ level: LogEntry.Level, _ message: String, _ id: AttachmentID? = nil, device: DeviceID? = nil, pid: ProcessID? = nil) {
        let tracked = (id?.device ?? device).flatMap { devices[$0] }
        effects.append(.log(LogEntry(level, message, binding: id?.binding, devpath: tracked?.facts.devpath,
                                     interface: tracked?.interface, pid: pid)))
    }
}

/// What the supervisor keeps about one present device.
struct TrackedDevice: Sendable {
    var id: DeviceID
    var facts: DeviceFacts
    /// The current interface name, updated by renames.
    var interface: String?
    /// The binding whose `[link]` applies to this device, if any.
    var linkOwner: String?
    var link: LinkProgress = .notStarted
    /// Removed from the system; kept only while its children stop.
    var isGone = false

    enum LinkProgress: Sendable, Equatable {
        case notStarted, pending, done, failed(String)
    }

    var label: String { interface ?? facts.sysname }
}
