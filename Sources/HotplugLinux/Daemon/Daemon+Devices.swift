import Glibc
import HotplugCore

/// Device events from the udev monitor, and the start-up enumeration.
extension Daemon {
    /// Enumerates what is present and reconciles: used at start and after
    /// the monitor lost events.
    func coldplug() {
        do {
            try enumeratePresent()
        } catch {
            logger.error("enumerating devices failed: \(error)")
        }
    }

    /// At start a failure is fatal (see `run`): a daemon that cannot see the
    /// devices present would sit "ready" and ignore them.
    func enumeratePresent() throws {
        // With udevd, only devices it finished with: the others are still
        // in its queue and will arrive as events with their properties.
        let present = try UdevEnumerator.devices(
            context, subsystems: supervisor.configuration.monitoredSubsystems, tag: options.tag,
            initializedOnly: options.source == .udev)
        apply(.present(present.map { checkedFacts($0) }))
    }

    func readMonitor() {
        // Bounded per wake-up so signals and children get their turn in a storm;
        // the socket stays readable, so the loop comes back for the rest.
        for _ in 0..<256 {
            switch monitor.receive() {
            case .empty:
                if reconcilePending {
                    reconcilePending = false
                    coldplug()
                }
                return
            case .overflow:
                // Enumerate only once the queue is drained: the kernel reports
                // ENOBUFS once per congestion, and events dropped until the
                // queue empties come with no second report.
                logger.warning("device events were lost (monitor receive buffer overflow); enumerating again to reconcile")
                supervisor.metrics.countOverflow()
                reconcilePending = true
            case .device(let device):
                handle(device)
            }
        }
    }

    /// The device's facts, as much as the bindings that might match it use,
    /// logging what was left out as not UTF-8.
    func checkedFacts(_ device: UdevDevice, needs: FactNeeds? = nil) -> DeviceFacts {
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
        let current = InterfaceNames.current(ofIndex: index)
        let corrected = StaleMove.corrected(facts, kernelName: current)
        if corrected != facts {
            logger.info("\(Printable.escaped(facts.devpath)): a late or stale \(action) event; the interface is \(Printable.escaped(corrected.sysname)) now")
        }
        return corrected
    }

    func handle(_ device: UdevDevice) {
        let arrival = MonotonicClock.now()
        let action = device.action ?? ""
        supervisor.metrics.countEvent(EventAction(action))
        switch action {
        case "add":
            // Reading the facts walks the parent chain and sysfs: skip it for
            // the many devices (a veth's peer, queues) no binding can want.
            guard let needs = supervisor.factNeeds(subsystem: device.subsystem ?? "", sysname: device.sysname) else {
                supervisor.metrics.observeMatch(TimeSpan(nanoseconds: MonotonicClock.now() - arrival))
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
