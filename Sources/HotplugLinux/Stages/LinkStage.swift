import HotplugCore

/// The link stage's executor: carries out a `[link]` request over
/// rtnetlink: rename (down for the rename if it was up), announcements
/// (arp_notify, ndisc_notify, for a link given addresses), MTU, addresses,
/// up: the addresses are in place before the up, so the first packets the
/// far side sends are answered and the up announces them. Each step checks first, so a device already named and configured is
/// left exactly as it is.
public struct LinkStage<Kernel: LinkOperations> {
    /// The daemon's loop waits while a link is configured (up to six
    /// requests); this bounds them together, each also having its own timeout.
    public static var defaultTimeLimit: Duration { .seconds(2) }

    let kernel: Kernel
    /// The interface names in use, for picking the lowest free `{n}`.
    let takenNames: () -> Set<String>
    let timeLimit: Duration

    public init(kernel: Kernel, timeLimit: Duration = Self.defaultTimeLimit, takenNames: @escaping () -> Set<String>) {
        self.kernel = kernel
        self.timeLimit = timeLimit
        self.takenNames = takenNames
    }

    /// The interface's name afterwards, or the kernel's reason for failing.
    public func setUp(_ request: LinkRequest) -> Result<StageOutcome, StageFailure> {
        kernel.withTimeLimit(timeLimit, for: "configuring a link") { configure(request) }
    }

    private func configure(_ request: LinkRequest) -> Result<StageOutcome, StageFailure> {
        do throws(NetlinkError) {
            let found: LinkState?
            if let index = request.ifindex {
                found = try kernel.link(index: index)
            } else {
                found = try kernel.link(named: request.currentName)
            }
            guard var link = found else {
                return .failure(StageFailure(.link, "interface \(request.currentName) is gone"))
            }
            let settings = request.settings
            if let template = settings.name {
                guard let target = LinkPlanning.targetName(template, current: link.name, taken: takenNames()) else {
                    return .failure(StageFailure(.link, "every name '\(template)' can make is taken"))
                }
                if target != link.name {
                    let wasUp = link.isUp
                    // The kernel refuses to rename a running interface (EBUSY).
                    if wasUp { try kernel.setUp(index: link.index, false) }
                    try kernel.rename(index: link.index, to: target)
                    if wasUp && !settings.up { try kernel.setUp(index: link.index, true) }
                    link.name = target
                    link.isUp = wasUp && !settings.up
                }
            }
            let present = settings.addresses.isEmpty ? [] : Set(try kernel.addresses(index: link.index))
            let missing = settings.addresses.filter { !present.contains($0) }
            let comesUp = settings.up && !link.isUp
            if !settings.addresses.isEmpty && (comesUp || !missing.isEmpty) {
                // Before the addresses and the up, so the kernel announces
                // them at up: a far side that asked too early hears at once.
                kernel.announceAddresses(interface: link.name,
                                         ipv4: settings.addresses.contains { $0.family == .ipv4 },
                                         ipv6: settings.addresses.contains { $0.family == .ipv6 })
            }
            if let mtu = settings.mtu, mtu != link.mtu {
                try kernel.setMTU(index: link.index, mtu)
            }
            for address in missing {
                try kernel.addAddress(index: link.index, address)
            }
            if comesUp {
                try kernel.setUp(index: link.index, true)
            }
            return .success(.link(interface: link.name))
        } catch {
            return .failure(StageFailure(.link, error.description))
        }
    }

    /// Nothing is undone: on remove the kernel drops the interface with the
    /// device, and a device that stops matching keeps its name and
    /// addresses, as it would after a udev rule renamed it.
    public func tearDown(_ id: AttachmentID) {}
}

extension LinkStage: StageExecutor {
    func setUp(_ id: AttachmentID, _ setup: StageSetup) -> Result<StageOutcome, StageFailure>? {
        guard case .link(let request) = setup else { return .failure(.misrouted(.link, setup)) }
        return setUp(request)
    }
}
