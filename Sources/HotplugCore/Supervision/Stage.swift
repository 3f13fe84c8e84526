/// The stages of one binding's lifecycle on one device, in setup order.
/// Setup runs them in this order, each only after the one before it
/// succeeded; teardown runs the ones that were set up in reverse.
///
/// Adding a stage is one case here (with its place in `plan`), its setup
/// payload in `StageSetup`, and one executor in the shell.
public enum Stage: Int, Sendable, Hashable, Comparable, CaseIterable, CustomStringConvertible {
    /// Rename, MTU, addresses, up: only for the binding that owns the device's `[link]`.
    case link = 0
    /// The binding's `[firewall]` rules for the interface, in nftables.
    case firewall = 10
    /// `[listen]`: sockets opened once the addresses exist, owned by
    /// hotplugd while the device is present, handed to every child.
    case sockets = 20
    /// The children: one per `instances`, each supervised with restart and backoff.
    case children = 30

    public static func < (lhs: Stage, rhs: Stage) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The name `status` shows.
    public var description: String {
        switch self {
        case .link: "link"
        case .firewall: "firewall"
        case .sockets: "sockets"
        case .children: "children"
        }
    }

    /// The stages a binding has on a device, in setup order.
    static func plan(for binding: Binding, ownsLink: Bool) -> [Stage] {
        var stages: [Stage] = []
        if binding.link != nil && ownsLink { stages.append(.link) }
        if binding.firewall != nil { stages.append(.firewall) }
        if binding.listen != nil { stages.append(.sockets) }
        if binding.exec != nil { stages.append(.children) }
        return stages
    }

    /// The first stage a reload must redo when `old` becomes `new`: the
    /// stages from there up are torn down and set up again, the ones below
    /// are kept as they are. Nil when only text a person reads changed.
    static func firstAffected(from old: Binding, to new: Binding) -> Stage? {
        if old.link != new.link { return .link }
        // A changed [firewall] is replaced in place (see
        // `replacesFirewallInPlace`); one added or removed is a stage more
        // or less, set up or torn down in order with the child.
        if (old.firewall == nil) != (new.firewall == nil) { return .firewall }
        if old.listen != new.listen { return .sockets }
        // A changed match keeps the link (the device still matches, or the
        // instance is dropped anyway) but restarts the child, which was
        // started for what the binding used to mean.
        if old.exec != new.exec || old.match != new.match { return .children }
        return nil
    }
}

extension Stage {
    /// Whether a reload replaces the binding's firewall rules where they are
    /// set up, without touching the stages after them: the rules change,
    /// the child keeps running (the shell writes the new rules in one
    /// transaction, so there is no moment without either).
    static func replacesFirewallInPlace(from old: Binding, to new: Binding) -> Bool {
        old.firewall != nil && new.firewall != nil && old.firewall != new.firewall && old.link == new.link
    }
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
    /// The rules are in place.
    case firewall
    case sockets
    case children(worker: Int, pid: ProcessID)

    public var stage: Stage {
        switch self {
        case .link: .link
        case .firewall: .firewall
        case .sockets: .sockets
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
    /// another instance (a quick replug while the old children stop): it is
    /// set up again as soon as sockets of another instance close.
    public var awaitsOwnSockets = false

    public init(_ stage: Stage, _ reason: String, worker: Int? = nil) {
        self.stage = stage
        self.reason = reason
        self.worker = worker
    }

    public var description: String { reason }

    /// The log line: what could not be done, then why.
    var logMessage: String {
        switch stage {
        case .link: "link configuration failed: \(reason)"
        case .firewall: "cannot install the firewall rules: \(reason)"
        case .sockets: "cannot open the [listen] sockets: \(reason)"
        case .children: "cannot start child: \(reason)"
        }
    }
}
