import HotplugCore
import Logging

/// A device event as the daemon reads it: what `UdevDevice` answers, and
/// what a test's fake device does. The facts are read only on demand
/// (`facts(needs:)` walks sysfs), so a device no binding can want costs
/// a lookup.
protocol DeviceRecord {
    var action: String? { get }
    var subsystem: String? { get }
    var sysname: String { get }
    var devpath: String { get }
    func property(_ key: String) -> String?
    func facts(needs: FactNeeds) -> DeviceFacts
}

extension UdevDevice: DeviceRecord {}

/// The device path of the daemon, with no descriptor of its own but the
/// children's: the core (`StageDispatch`), the four stage executors over
/// one `DaemonKernel`, and the step from a device event to a core event.
/// Everything a plug, a child's exit, a tick or an unplug goes through,
/// so a test drives it with a fake kernel and a fake clock exactly as the
/// loop does (`DaemonWithFakesTests`); the loop (`DaemonLoop`) adds udev,
/// signals, the control socket and the rest around it.
final class DeviceSupervision<Kernel: DaemonKernel> {
    let kernel: Kernel
    let logger: Logger
    let dispatch: StageDispatch
    let link: LinkStage<Kernel.Link>
    let sockets: SocketStage<Kernel.Sockets>
    let firewall: FirewallBatching<Kernel.Firewall>
    var firewallStage: FirewallStage<Kernel.Firewall> { firewall.stage }
    let children: ChildrenStage<Kernel>

    var supervisor: Supervisor {
        get { dispatch.supervisor }
        _modify { yield &dispatch.supervisor }
        set { dispatch.supervisor = newValue }
    }

    /// `epoll` watches the children's pidfds and pipes, under `ChildrenStage.token`.
    init(configuration: Configuration, kernel: Kernel, records: any ChildRecording, epoll: Epoll, logger: Logger) {
        self.kernel = kernel
        self.logger = logger
        var supervisor = Supervisor(configuration: configuration)
        supervisor.metrics.clock = Daemon.metricsClock
        let dispatch = StageDispatch(supervisor: supervisor, logger: logger, clock: kernel.now)
        self.dispatch = dispatch
        link = LinkStage(kernel: kernel.link, takenNames: kernel.interfaceNames)
        firewall = FirewallBatching(stage: FirewallStage(kernel: kernel.firewall), logger: logger, clock: kernel.now)
        let sockets = SocketStage(opener: kernel.sockets)
        self.sockets = sockets
        children = ChildrenStage(epoll: epoll, processes: kernel.processes, registry: records, sockets: sockets,
                                 logger: logger, clock: kernel.now) { [unowned dispatch] id in
            ChildrenStage.DeviceNames(devpath: dispatch.supervisor.deviceFacts(id.device)?.devpath,
                                      interface: dispatch.supervisor.interfaceName(id.device))
        }
        dispatch.executors = [.link: link, .firewall: firewall, .sockets: sockets, .children: children]
        dispatch.signalling = children
        children.onEvent = { [unowned dispatch] event in dispatch.apply(event) }
    }

    /// Feeds one event to the core and carries out what it asks (see `StageDispatch`).
    func apply(_ event: Supervisor.Event, arrivedAt: UInt64? = nil) {
        dispatch.apply(event, arrivedAt: arrivedAt)
    }

    /// At the end of a loop turn (see `StageDispatch.finishTurn`).
    func finishTurn() {
        dispatch.finishTurn()
    }

    /// Tells the firewall stage which bindings have `[firewall]`, so their
    /// chains are in the table before their first device (see
    /// `FirewallStage.configure`): at start and after a reload.
    func configureFirewall() throws(NftablesError) {
        var bindings: [String: FirewallSettings] = [:]
        for binding in supervisor.configuration.bindings {
            if let firewall = binding.firewall { bindings[binding.name] = firewall }
        }
        try firewallStage.configure(bindings)
    }

    /// The devices present (at start, after lost events), each read for
    /// what the bindings that might match it use, or for `needs`.
    func present<Device: DeviceRecord>(_ devices: [Device], needs: FactNeeds? = nil) -> [DeviceFacts] {
        devices.map { checkedFacts($0, needs: needs) }
    }

    /// The device's facts, as much as the bindings that might match it use,
    /// logging what was left out as not UTF-8.
    func checkedFacts<Device: DeviceRecord>(_ device: Device, needs: FactNeeds? = nil) -> DeviceFacts {
        let needs = needs ?? supervisor.factNeeds(subsystem: device.subsystem ?? "", sysname: device.sysname) ?? .nothing
        let facts = device.facts(needs: needs)
        if !facts.droppedProperties.isEmpty {
            logger.warning("\(facts.devpath): ignoring udev properties that are not valid UTF-8: \(facts.droppedProperties.joined(separator: ", "))")
        }
        return facts
    }

    /// A net device's names as the kernel has them now for its ifindex: a
    /// late event (from before a rename, ours or udev's) and udev's event
    /// for a rename it could not do (EEXIST) name the interface otherwise.
    func kernelChecked(_ facts: DeviceFacts, _ action: String) -> DeviceFacts {
        guard facts.subsystem == "net", let index = facts.ifindex else { return facts }
        let current = kernel.interfaceName(ofIndex: index)
        let corrected = StaleMove.corrected(facts, kernelName: current)
        if corrected != facts {
            logger.info("\(Printable.escaped(facts.devpath)): a late or stale \(action) event; the interface is \(Printable.escaped(corrected.sysname)) now")
        }
        return corrected
    }

    /// One event off the monitor, to the core.
    func handle<Device: DeviceRecord>(_ device: Device) {
        let arrival = kernel.now()
        let action = device.action ?? ""
        supervisor.metrics.countEvent(EventAction(action))
        switch action {
        case "add":
            // Reading the facts walks the parent chain and sysfs: skip it for
            // the many devices (a veth's peer, queues) no binding can want.
            guard let needs = supervisor.factNeeds(subsystem: device.subsystem ?? "", sysname: device.sysname) else {
                supervisor.metrics.observeMatch(TimeSpan(nanoseconds: kernel.now() - arrival))
                return
            }
            apply(.deviceAdded(kernelChecked(checkedFacts(device, needs: needs), action)), arrivedAt: arrival)
        case "remove":
            // Nothing is read from sysfs: it is gone. Identity is enough.
            let ifindex = device.property("IFINDEX").flatMap { Int32($0) }
            apply(.deviceRemoved(devpath: device.devpath, ifindex: ifindex))
        case "move":
            // Checked against the kernel's name for the index now: a move
            // that arrives after a later rename (udev's own, delivered late)
            // must not send the name back to one the interface lost.
            apply(.deviceMoved(kernelChecked(checkedFacts(device), action)), arrivedAt: arrival)
        case "change", "bind", "unbind":
            apply(.deviceChanged(kernelChecked(checkedFacts(device), action)), arrivedAt: arrival)
        default:
            // Unknown actions are never taken as remove (or as anything).
            logger.debug("ignoring action '\(action)' for \(device.devpath)")
        }
    }
}
