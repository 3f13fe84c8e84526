import HotplugCore

/// Carries out a `[link]` request over rtnetlink: rename (down for the
/// rename if it was up), MTU, addresses, up. Each step checks first, so a
/// device already named and configured is left exactly as it is.
public struct LinkConfigurator {
    /// The daemon's loop waits while a link is configured (up to six
    /// requests); this bounds them together, each also having its own timeout.
    public static let defaultTimeLimit: Duration = .seconds(2)

    let netlink: RouteNetlink
    let timeLimit: Duration

    public init(netlink: RouteNetlink, timeLimit: Duration = LinkConfigurator.defaultTimeLimit) {
        self.netlink = netlink
        self.timeLimit = timeLimit
    }

    /// The interface's name afterwards, or the kernel's reason for failing.
    public func apply(_ request: LinkRequest, taken: () -> Set<String>) -> Result<String, Supervisor.LinkFailure> {
        netlink.withTimeLimit(timeLimit, for: "configuring a link") { configure(request, taken: taken) }
    }

    private func configure(_ request: LinkRequest, taken: () -> Set<String>) -> Result<String, Supervisor.LinkFailure> {
        do throws(NetlinkError) {
            let found: LinkState?
            if let index = request.ifindex {
                found = try netlink.link(index: index)
            } else {
                found = try netlink.link(named: request.currentName)
            }
            guard var link = found else {
                return .failure(.init("interface \(request.currentName) is gone"))
            }
            let settings = request.settings
            if let template = settings.name {
                guard let target = LinkPlanning.targetName(template, current: link.name, taken: taken()) else {
                    return .failure(.init("every name '\(template)' can make is taken"))
                }
                if target != link.name {
                    let wasUp = link.isUp
                    // The kernel refuses to rename a running interface (EBUSY).
                    if wasUp { try netlink.setUp(index: link.index, false) }
                    try netlink.rename(index: link.index, to: target)
                    if wasUp && !settings.up { try netlink.setUp(index: link.index, true) }
                    link.name = target
                    link.isUp = wasUp && !settings.up
                }
            }
            if let mtu = settings.mtu, mtu != link.mtu {
                try netlink.setMTU(index: link.index, mtu)
            }
            if !settings.addresses.isEmpty {
                let present = Set(try netlink.addresses(index: link.index))
                for address in settings.addresses where !present.contains(address) {
                    try netlink.addAddress(index: link.index, address)
                }
            }
            if settings.up && !link.isUp {
                try netlink.setUp(index: link.index, true)
            }
            return .success(link.name)
        } catch {
            return .failure(.init(error.description))
        }
    }
}
