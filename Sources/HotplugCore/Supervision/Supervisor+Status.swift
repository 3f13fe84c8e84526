/// What `hotplugd status` shows about one instance.
public struct InstanceStatus: Sendable, Equatable {
    public var binding: String
    public var device: DeviceID
    public var syspath: String
    public var devpath: String
    public var subsystem: String
    public var sysname: String
    public var interface: String?
    public var state: String
    /// The lifecycle stage the instance is in or failed at; nil while settling.
    public var stage: Stage?
    public var pid: Int32?
    public var since: Instant
    public var restarts: Int
    public var lastExit: ChildExit?
    public var error: String?
}

extension Supervisor {
    /// Every instance, by binding then device.
    public func status() -> [InstanceStatus] {
        instances.values.sorted { $0.id < $1.id }.compactMap { instance in
            guard let device = devices[instance.id.device] else { return nil }
            return InstanceStatus(
                binding: instance.id.binding, device: device.id, syspath: device.facts.syspath,
                devpath: device.facts.devpath, subsystem: device.facts.subsystem, sysname: device.facts.sysname,
                interface: device.interface, state: instance.state.name, stage: instance.stage, pid: instance.state.pid,
                since: instance.since, restarts: instance.restarts, lastExit: instance.lastExit, error: instance.error)
        }
    }

    /// What the shell must read of a device with this subsystem and kernel
    /// name; nil when no binding can match it, whatever its other facts.
    public func factNeeds(subsystem: String, sysname: String) -> FactNeeds? {
        matchTable.factNeeds(subsystem: subsystem, sysname: sysname)
    }

    /// The device an instance runs for, for the shell's log lines.
    public func deviceFacts(_ id: DeviceID) -> DeviceFacts? { devices[id]?.facts }
    public func interfaceName(_ id: DeviceID) -> String? { devices[id]?.interface }

    /// "3 devices, 2 running, 1 failed": for sd_notify STATUS= and logs.
    /// Counted straight from the instances: the daemon asks after every
    /// wake-up, so it must not build the whole status.
    public var summary: String {
        var counts: [String: Int] = [:]
        var deviceIDs = Set<DeviceID>()
        for instance in instances.values where devices[instance.id.device] != nil {
            counts[instance.state.name, default: 0] += 1
            deviceIDs.insert(instance.id.device)
        }
        let states = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        return "\(deviceIDs.count) device\(deviceIDs.count == 1 ? "" : "s")" + (states.isEmpty ? "" : ", " + states.joined(separator: ", "))
    }
}
