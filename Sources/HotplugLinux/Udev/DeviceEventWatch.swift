import Glibc
import HotplugCore

/// `hotplugd monitor` without the printing: a udev monitor and the bindings'
/// matcher, fed from the kernel until the process ends. The devices present
/// at the start are remembered first, so a later remove is matched by the
/// device's identity, as the daemon matches it, not by its half-gone sysfs.
public final class DeviceEventWatch {
    /// One event as the monitor saw it, with the bindings it matches (for a
    /// remove: the ones the device matched while it was present).
    public struct Event: Sendable {
        public var action: String
        public var facts: DeviceFacts
        public var bindings: [String]
        public var sequenceNumber: UInt64
    }

    public enum Observation: Sendable {
        case event(Event)
        /// The kernel dropped events: the receive buffer was full.
        case overflow
    }

    public let source: EventSource
    /// What the kernel is asked to deliver; nil for every subsystem.
    public let subsystems: Set<String>?
    private let includeUnmatched: Bool
    private let needs: FactNeeds
    private let context: UdevContext
    private let monitor: UdevMonitor
    private var tracker: EventTracker

    /// Opens the monitor before enumerating, so that no device that appears
    /// in between is missed. With `includeUnmatched`, or without bindings,
    /// every event is watched; otherwise only the bindings' subsystems, which
    /// the kernel filters so nothing else wakes us.
    public init(configuration: Configuration, source: EventSource, includeUnmatched: Bool) throws(UdevError) {
        let subsystems = includeUnmatched || configuration.bindings.isEmpty ? nil : configuration.monitoredSubsystems
        self.source = source
        self.subsystems = subsystems
        self.includeUnmatched = includeUnmatched
        needs = configuration.everyFactNeed
        context = try UdevContext()
        monitor = try UdevMonitor(context: context, source: source, subsystems: subsystems)
        tracker = EventTracker(configuration: configuration)
        for device in try UdevEnumerator.devices(context, subsystems: subsystems) {
            tracker.remember(device.facts(needs: needs))
        }
    }

    /// Hands every matched event (every event with `includeUnmatched`), and
    /// every overflow, to `observe`, in order. Returns only on an error.
    public func run(_ observe: (Observation) -> Void) throws(UdevError) {
        while true {
            try waitForEvents()
            drain: while true {
                switch monitor.receive() {
                case .empty:
                    break drain
                case .overflow:
                    observe(.overflow)
                case .device(let device):
                    let action = device.action ?? "unknown"
                    let facts = device.facts(needs: needs)
                    let bindings = tracker.handle(action: action, facts: facts)
                    if bindings.isEmpty && !includeUnmatched { continue }
                    observe(.event(Event(action: action, facts: facts, bindings: bindings,
                                         sequenceNumber: device.sequenceNumber)))
                }
            }
        }
    }

    /// Sleeps until the monitor's socket is readable; a signal that
    /// interrupts the sleep just starts it again.
    private func waitForEvents() throws(UdevError) {
        while try !monitor.waitForEvents(timeoutMilliseconds: -1) {}
    }
}
