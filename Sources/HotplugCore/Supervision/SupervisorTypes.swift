/// Monotonic time in nanoseconds, from the shell's clock (or a test's).
public struct Instant: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
    public static func + (lhs: Instant, rhs: TimeSpan) -> Instant {
        Instant(nanoseconds: lhs.nanoseconds &+ rhs.nanoseconds)
    }
    public func span(since earlier: Instant) -> TimeSpan {
        TimeSpan(nanoseconds: nanoseconds >= earlier.nanoseconds ? nanoseconds - earlier.nanoseconds : 0)
    }

    public var description: String { "\(nanoseconds / 1_000_000)ms" }
}

/// A device as the supervisor tracks it: a number that stays the same while
/// the device is present, across renames and moves.
public struct DeviceID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var value: UInt64
    public init(_ value: UInt64) { self.value = value }
    public static func < (lhs: DeviceID, rhs: DeviceID) -> Bool { lhs.value < rhs.value }
    public var description: String { "device#\(value)" }
}

/// An attachment: one binding on one device.
public struct AttachmentID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var binding: String
    public var device: DeviceID

    public init(binding: String, device: DeviceID) {
        self.binding = binding
        self.device = device
    }

    public static func < (lhs: AttachmentID, rhs: AttachmentID) -> Bool {
        (lhs.binding, lhs.device) < (rhs.binding, rhs.device)
    }

    public var description: String { "\(binding)@\(device)" }
}

/// Where one attachment (a binding on a device) is in its lifecycle, up to
/// the children stage; from there each worker has a `WorkerState` of its
/// own. `name` is the state `status` shows for a row without a worker
/// (settling, configuring, failed, configured); `Attachment.stage` says
/// which stage it concerns.
public enum AttachmentPhase: Sendable, Equatable {
    case settling(until: Instant)
    /// Another binding owns the device's `[link]` and has not finished with
    /// it: this one starts once the interface has its final name.
    case waitingForLink
    /// The stage's setup was sent to the shell; its answer is awaited. For
    /// the children stage: the workers' spawns are out.
    case settingUp(Stage)
    case failed(Stage, String)
    /// Every stage is set up and there is nothing to run.
    case configured
    /// The children stage is up: each worker has a state of its own, and
    /// `status` shows theirs.
    case supervising

    public var name: String {
        switch self {
        case .settling: "settling"
        case .waitingForLink, .settingUp: "configuring"
        case .supervising: "running"
        case .failed: "failed"
        case .configured: "configured"
        }
    }
}

/// Where one worker (one of a binding's `instances` on a device, the
/// `{instance}` of its placeholders) is: its child starting, running,
/// waiting to start again, being stopped, or gone. `name` is the state its
/// `status` row shows.
public enum WorkerState: Sendable, Equatable {
    /// Another binding owns the device's `[link]` and has not finished with
    /// it: the child starts once the interface has its final name.
    case waitingForLink
    /// The spawn was sent to the shell; its answer is awaited.
    case starting
    case running(pid: ProcessID)
    case backoff(until: Instant)
    /// The child is being stopped: its stop signal was sent, SIGKILL follows
    /// at `killAt` unless it is gone by then.
    case stopping(pid: ProcessID, killAt: Instant, killed: Bool)
    /// The child is gone but processes of its group outlived it, and they
    /// are being stopped: the stop signal was sent to `group`. No exit is
    /// reported for them, so the shell is asked at `probeAt` whether any
    /// remain; SIGKILL at `killAt` ends the stop.
    case stoppingLeftovers(group: ProcessID, killAt: Instant, probeAt: Instant)
    /// The child ended and `restart` says not to run it again.
    case exited
    /// The child could not be started.
    case failed(String)

    public var name: String {
        switch self {
        case .waitingForLink, .starting: "configuring"
        case .running: "running"
        case .backoff: "backoff"
        case .stopping, .stoppingLeftovers: "stopping"
        case .exited: "exited"
        case .failed: "failed"
        }
    }

    /// The worker's child, while it is alive.
    public var childPID: ProcessID? {
        switch self {
        case .running(let pid), .stopping(let pid, _, _): pid
        default: nil
        }
    }

    /// What `status` shows and the supervisor's pid index holds: the child,
    /// or the process group of its leftovers while they are being stopped
    /// (a group's id is its leader's pid).
    public var pid: ProcessID? {
        if case .stoppingLeftovers(let group, _, _) = self { return group }
        return childPID
    }
}

/// How a child ended, as the shell saw it.
public enum ChildExit: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    public var isSuccess: Bool { self == .exited(0) }

    public var description: String {
        switch self {
        case .exited(let code): "exit \(code)"
        case .signaled(let number): "killed by \(Signal(number: number).name)"
        }
    }
}

/// What the link owner asks the shell to do to a net device.
public struct LinkRequest: Sendable, Equatable {
    public var ifindex: Int32?
    public var currentName: String
    public var settings: LinkSettings

    public init(ifindex: Int32?, currentName: String, settings: LinkSettings) {
        self.ifindex = ifindex
        self.currentName = currentName
        self.settings = settings
    }
}

/// Orders from the core to the shell, carried out in order.
public enum Effect: Sendable, Equatable {
    /// Set up one stage; the shell answers with `.stageSetUp`.
    case setUp(AttachmentID, StageSetup)
    /// Undo what the stage's setup did; not answered (a failure is the
    /// shell's to log: the stage is gone from the core's view either way).
    /// The children stage is never torn down this way: stopping a child
    /// takes signals and time, which the core runs itself.
    case tearDown(AttachmentID, Stage)
    /// Send a signal to the child's process group.
    case signal(AttachmentID, pid: ProcessID, Signal)
    case log(LogEntry)
    /// Every child is gone after a shutdown: the daemon may exit.
    case exit
}

public struct LogEntry: Sendable, Equatable, CustomStringConvertible {
    public enum Level: String, Sendable { case debug, info, notice, warning, error }
    public var level: Level
    public var message: String
    public var binding: String?
    public var devpath: String?
    public var interface: String?
    public var pid: ProcessID?

    public init(_ level: Level, _ message: String, binding: String? = nil, devpath: String? = nil,
                interface: String? = nil, pid: ProcessID? = nil) {
        self.level = level
        self.message = message
        self.binding = binding
        self.devpath = devpath
        self.interface = interface
        self.pid = pid
    }

    public var description: String { message }
}
