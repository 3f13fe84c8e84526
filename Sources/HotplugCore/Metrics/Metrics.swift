/// What the daemon counts for `hotplugd metrics` and `run --metrics-textfile`.
/// Plain numbers counted in place: nothing here allocates per device event
/// (the per-binding tables grow only with a binding's first restart or exit).
/// The supervisor counts what it decides (restarts, child exits, stage
/// failures, spawn latency); the shell counts what it reads from the kernel
/// (events, monitor overflows) into the same value, which
/// `MetricsExposition` renders. Counters start at zero with the daemon, as
/// Prometheus expects of a process's counters, and go on across a re-exec
/// (the same process: `Metrics+Reexec` carries them in the state).
public struct Metrics: Sendable {
    /// Moves with every count and every event the supervisor handles (which
    /// is every change of state), so the shell can tell whether anything
    /// changed since it last wrote the textfile.
    public internal(set) var generation: UInt64 = 0
    /// Device events read from the monitor, by `EventAction`.
    public internal(set) var events: [UInt64] = Array(repeating: 0, count: EventAction.allCases.count)
    public internal(set) var monitorOverflows: UInt64 = 0
    /// Times hotplugd put its nftables table back after someone else changed it.
    public internal(set) var firewallRepairs: UInt64 = 0
    /// Whether the table is not known to hold hotplugd's rules right now
    /// (changed by someone else, the repair waiting or failing).
    public private(set) var firewallDegraded = false
    /// Stage setups that failed, by `Stage` in `Stage.allCases` order.
    public internal(set) var stageFailures: [UInt64] = Array(repeating: 0, count: Stage.allCases.count)
    /// Children started again (what `status` counts as restarts), by binding.
    public internal(set) var restarts: [String: UInt64] = [:]
    public internal(set) var childExits: [ChildExitKey: UInt64] = [:]
    /// From reading a device event off the monitor to knowing which bindings
    /// it matches: the binding index, reading the facts those bindings use,
    /// and checking each candidate.
    public internal(set) var matchLatency = Histogram(bounds: Histogram.matchBounds)
    /// From an add event's arrival (with `settle`, from the end of the
    /// settle window) to the child being started, for each child the add
    /// starts; restarts are not counted.
    public internal(set) var spawnLatency = Histogram(bounds: Histogram.spawnBounds)

    /// The monotonic clock, read where a match ends; nil (tests that do not
    /// ask, benchmarks of the core) measures no match latency. The core
    /// keeps no clock of its own: the shell hands it this one.
    public var clock: (@Sendable () -> Instant)?

    /// The arrival of the add event being handled, while it is.
    var addArrival: Instant?
    /// The arrival of the device event being handled until its match is measured.
    var matchStart: Instant?

    public init() {}

    // MARK: Counted by the shell

    public mutating func countEvent(_ action: EventAction) {
        events[action.rawValue] &+= 1
        generation &+= 1
    }

    public mutating func countOverflow() {
        monitorOverflows &+= 1
        generation &+= 1
    }

    public mutating func countFirewallRepair() {
        firewallRepairs &+= 1
        generation &+= 1
    }

    public mutating func setFirewallDegraded(_ degraded: Bool) {
        guard degraded != firewallDegraded else { return }
        firewallDegraded = degraded
        generation &+= 1
    }

    /// An event that no binding can match, found so by the index alone.
    public mutating func observeMatch(_ span: TimeSpan) {
        matchLatency.observe(span)
        generation &+= 1
    }

    // MARK: Counted by the supervisor

    /// Before the supervisor handles `event` at `now`.
    mutating func began(_ event: Supervisor.Event, at now: Instant) {
        generation &+= 1
        switch event {
        case .deviceAdded:
            addArrival = now
            matchStart = now
        case .deviceChanged, .deviceMoved:
            matchStart = now
        case .stageSetUp(_, .failure(let failure)):
            stageFailures[Self.index(failure.stage)] &+= 1
        default:
            break
        }
    }

    /// After the supervisor handled the event.
    mutating func ended() {
        addArrival = nil
        matchStart = nil
    }

    /// The event's bindings are known: the first match of a device event
    /// is its match latency (a reconcile's many matches are not events).
    mutating func matched() {
        guard let start = matchStart else { return }
        matchStart = nil
        if let clock { matchLatency.observe(clock().span(since: start)) }
    }

    /// The stage's counter: its row in `Stage.rows`, which is `Stage.allCases` order.
    static func index(_ stage: Stage) -> Int { stage.rawValue }

    mutating func countRestart(binding: String) {
        restarts[binding, default: 0] &+= 1
    }

    mutating func countExit(binding: String, _ reason: ExitReason) {
        childExits[ChildExitKey(binding: binding, reason: reason), default: 0] &+= 1
    }

    mutating func observeSpawn(_ span: TimeSpan) {
        spawnLatency.observe(span)
    }
}

/// The `action` label: udev's actions; anything else is `other`, so a
/// misbehaving sender cannot make new series.
public enum EventAction: Int, Sendable, CaseIterable {
    case add, remove, change, move, bind, unbind, online, offline, other

    public init(_ action: String) {
        switch action {
        case "add": self = .add
        case "remove": self = .remove
        case "change": self = .change
        case "move": self = .move
        case "bind": self = .bind
        case "unbind": self = .unbind
        case "online": self = .online
        case "offline": self = .offline
        default: self = .other
        }
    }

    public var label: String { String(describing: self) }
}

/// The `reason` label of a child's exit.
public enum ExitReason: Sendable, Hashable, Comparable {
    /// hotplugd was stopping it (remove, restart, reload, shutdown): the
    /// exit was asked for, whatever its status.
    case stopped
    /// Exit status 0.
    case success
    /// Any other exit status.
    case failure
    /// Killed by a signal that hotplugd did not send.
    case signal(Int32)

    public init(_ exit: ChildExit, whileStopping: Bool) {
        if whileStopping {
            self = .stopped
            return
        }
        switch exit {
        case .exited(0): self = .success
        case .exited: self = .failure
        case .signaled(let number): self = .signal(number)
        }
    }

    /// `SIGSEGV`; a number without a name is `SIG34`.
    public var label: String {
        switch self {
        case .stopped: "stopped"
        case .success: "success"
        case .failure: "failure"
        case .signal(let number):
            Signal.standard.first { $0.number == number }?.name ?? "SIG\(number)"
        }
    }

    /// The reasons every binding with `[exec]` shows from the start, at 0.
    public static let always: [ExitReason] = [.stopped, .success, .failure]
}

public struct ChildExitKey: Sendable, Hashable {
    public var binding: String
    public var reason: ExitReason
}
