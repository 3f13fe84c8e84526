/// The stages of one binding's lifecycle on one device, in setup order.
/// Setup runs them in this order, each only after the one before it
/// succeeded; teardown runs the ones that were set up in reverse.
///
/// Every fact about a stage is its row in `Stage.rows` (see `StageRow`):
/// adding a stage is a case here, its row there, its setup payload in
/// `StageSetup`, and one executor in the shell.
public enum Stage: Int, Sendable, Hashable, Comparable, CaseIterable, CustomStringConvertible {
    // The raw value is the stage's place in `rows`, which is the setup order.
    case link, firewall, sockets, children

    public static func < (lhs: Stage, rhs: Stage) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The stage's row of facts.
    var row: StageRow { Self.rows[rawValue] }

    /// The name `status`, the metrics' `stage` label and the log show.
    public var description: String { row.name }

    /// The number the re-exec state writes for the stage (see `StageRow.code`).
    public var code: Int { row.code }

    public init?(code: Int) {
        guard let row = Self.rows.first(where: { $0.code == code }) else { return nil }
        self = row.stage
    }

    /// The stages a binding has on a device, in setup order.
    static func plan(for binding: Binding, ownsLink: Bool) -> [Stage] {
        rows.filter { $0.isPlanned(binding, ownsLink) }.map(\.stage)
    }

    /// The first stage a reload must redo when `old` becomes `new`: the
    /// stages from there up are torn down and set up again, the ones below
    /// are kept as they are. Nil when only text a person reads changed.
    static func firstAffected(from old: Binding, to new: Binding) -> Stage? {
        rows.first { $0.isRedone(old, new) }?.stage
    }

    /// Whether a reload replaces the binding's firewall rules where they are
    /// set up, without touching the stages after them: the rules change,
    /// the child keeps running (the shell writes the new rules in one
    /// transaction, so there is no moment without either).
    static func replacesFirewallInPlace(from old: Binding, to new: Binding) -> Bool {
        old.firewall != nil && new.firewall != nil && old.firewall != new.firewall && old.link == new.link
    }
}

/// One stage's facts, in one place: everything the core decides by stage
/// reads it from here rather than switching on the case.
struct StageRow: Sendable {
    var stage: Stage
    /// What `status`, the metrics' `stage` label and the log call it.
    var name: String
    /// The number the re-exec state writes for it: kept when stages are
    /// added or reordered, so a state from an older image still reads.
    var code: Int
    /// The log line's start when its setup fails; the reason follows.
    var failure: String
    /// Whether a binding has the stage on a device (`ownsLink`: the binding
    /// is the one whose `[link]` applies there).
    var isPlanned: @Sendable (Binding, _ ownsLink: Bool) -> Bool
    /// Whether a reload from the first binding to the second must redo the
    /// stage (and so every stage after it).
    var isRedone: @Sendable (_ old: Binding, _ new: Binding) -> Bool
    /// What setting it up asks for.
    var setUp: SetUp
    /// Whether its setup, by changing the device's link, is the one the
    /// device's other bindings wait for (see `TrackedDevice.link`).
    var configuresLink = false
    /// Whether tearing it down frees ports another attachment may wait for
    /// (`StageFailure.awaitsOwnSockets`).
    var freesPorts = false

    enum SetUp: Sendable {
        /// One `.setUp` effect, the shell answers with `.stageSetUp`, and
        /// its teardown is one `.tearDown` effect, not answered.
        case effect(@Sendable (SetupContext) -> StageSetup?)
        /// One child per worker, supervised by the core (`Supervisor+Children`):
        /// its teardown is stopping them, with signals and time.
        case workers
    }

    /// What a stage's setup is built from.
    struct SetupContext {
        var binding: Binding
        var device: TrackedDevice
    }
}

extension Stage {
    /// The lifecycle, one row per stage, in setup order.
    static let rows: [StageRow] = [
        StageRow(
            stage: .link, name: "link", code: 0, failure: "link configuration failed",
            // Rename, MTU, addresses, up: only for the binding that owns the device's `[link]`.
            isPlanned: { binding, ownsLink in binding.link != nil && ownsLink },
            isRedone: { old, new in old.link != new.link },
            setUp: .effect { context in
                context.binding.link.map {
                    .link(LinkRequest(ifindex: context.device.facts.ifindex, currentName: context.device.label, settings: $0))
                }
            },
            configuresLink: true),
        StageRow(
            stage: .firewall, name: "firewall", code: 10, failure: "cannot install the firewall rules",
            isPlanned: { binding, _ in binding.firewall != nil },
            // A changed [firewall] is replaced in place (see
            // `replacesFirewallInPlace`); one added or removed is a stage
            // more or less, set up or torn down in order with the child.
            isRedone: { old, new in (old.firewall == nil) != (new.firewall == nil) },
            setUp: .effect { context in
                context.binding.firewall.map {
                    .firewall(FirewallRequest(ifindex: context.device.facts.ifindex, binding: context.binding.name, settings: $0))
                }
            }),
        StageRow(
            stage: .sockets, name: "sockets", code: 20, failure: "cannot open the [listen] sockets",
            // Opened once the addresses exist, owned by hotplugd while the
            // device is present, handed to every child.
            isPlanned: { binding, _ in binding.listen != nil },
            isRedone: { old, new in old.listen != new.listen },
            setUp: .effect { context in
                let (binding, device) = (context.binding, context.device)
                return binding.listen.map { listen in
                    .sockets(SocketRequest(listen: listen,
                                           interface: listen.bindToDevice ? device.interface ?? device.facts.interfaceName : nil,
                                           ifindex: listen.bindToDevice ? device.facts.ifindex : nil,
                                           workers: binding.exec?.instances ?? 1))
                }
            },
            freesPorts: true),
        StageRow(
            stage: .children, name: "children", code: 30, failure: "cannot start child",
            isPlanned: { binding, _ in binding.exec != nil },
            // A changed match keeps the link (the device still matches, or
            // the attachment is dropped anyway) but restarts the child, which
            // was started for what the binding used to mean.
            isRedone: { old, new in old.exec != new.exec || old.match != new.match },
            setUp: .workers),
    ]
}

/// What the shell needs to set up one stage; it answers with `.stageSetUp`.
public enum StageSetup: Sendable, Equatable {
    case link(LinkRequest)
    case firewall(FirewallRequest)
    case sockets(SocketRequest)
    /// One child of the stage: the children stage sends one per worker.
    case children(worker: Int, LaunchPlan)

    public var stage: Stage {
        switch self {
        case .link: .link
        case .firewall: .firewall
        case .sockets: .sockets
        case .children: .children
        }
    }
}

/// What the sockets stage opens for one binding on one device.
public struct SocketRequest: Sendable, Equatable {
    public var listen: ListenSettings
    /// The interface to bind to, when `bind-to-device`: its name for the
    /// messages only; the sockets bind by `ifindex` (SO_BINDTOIFINDEX),
    /// which no rename in flight can make stale.
    public var interface: String?
    public var ifindex: Int32?
    /// With `mode = "reuseport"`, one set of sockets per worker.
    public var workers: Int

    public init(listen: ListenSettings, interface: String?, ifindex: Int32? = nil, workers: Int) {
        self.listen = listen
        self.interface = interface
        self.ifindex = ifindex
        self.workers = workers
    }
}

/// What a stage's setup produced, as the shell reports it.
public enum StageOutcome: Sendable, Equatable {
    /// The interface's name after the link actions.
    case link(interface: String)
    /// A stage whose setup has nothing to report but that it is done.
    case done(Stage)
    case children(worker: Int, pid: ProcessID)

    /// The rules are in place.
    public static let firewall = StageOutcome.done(.firewall)
    /// The sockets are open.
    public static let sockets = StageOutcome.done(.sockets)

    public var stage: Stage {
        switch self {
        case .link: .link
        case .done(let stage): stage
        case .children: .children
        }
    }
}

/// Why a stage could not be set up, in words for `status` and the log.
public struct StageFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var stage: Stage
    public var reason: String
    /// The worker whose child could not start, for the children stage.
    public var worker: Int?
    /// The sockets stage failed on a port hotplugd itself still holds for
    /// another attachment (a quick replug while the old children stop): it is
    /// set up again as soon as sockets of another attachment close.
    public var awaitsOwnSockets = false

    public init(_ stage: Stage, _ reason: String, worker: Int? = nil) {
        self.stage = stage
        self.reason = reason
        self.worker = worker
    }

    public var description: String { reason }

    /// The log line: what could not be done, then why.
    var logMessage: String { "\(stage.row.failure): \(reason)" }
}
