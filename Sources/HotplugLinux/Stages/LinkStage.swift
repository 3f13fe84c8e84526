import HotplugCore

/// The link stage's executor: carries out a `[link]` request over
/// rtnetlink: rename (down for the rename if it was up), MTU, addresses,
/// up. Each step checks first, so a device already named and configured is
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
            if let mtu = settings.mtu, mtu != link.mtu {
                try kernel.setMTU(index: link.index, mtu)
            }
            if !settings.addresses.isEmpty {
                let present = Set(try kernel.addresses(index: link.index))
                for address in settings.addresses where !present.contains(address) {
                    try kernel.addAddress(index: link.index, address)
                }
            }
            if settings.up && !link.isUp {
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
    public func tearDown() {}
}
