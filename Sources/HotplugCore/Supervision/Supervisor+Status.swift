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
                interface: device.interface, state: instance.state.name, pid: instance.state.pid,
                since: instance.since, restarts: instance.restarts, lastExit: instance.lastExit, error: instance.error)
        }
    }

    /// False when no binding can match a device of this subsystem and kernel
    /// name, whatever its other facts: an add of such a device changes nothing.
    public func mightMatch(subsystem: String, sysname: String) -> Bool {
        matchTable.mightMatch(subsystem: subsystem, sysname: sysname)
    }

    /// The instance running `pid`, for tagging a child's output lines.
    public func instance(runningPID pid: Int32) -> InstanceStatus? {
        status().first { $0.pid == pid }
    }

    /// The device an instance runs for, for the shell's log lines.
    public func deviceFacts(_ id: DeviceID) -> DeviceFacts? { devices[id]?.facts }
    public func interfaceName(_ id: DeviceID) -> String? { devices[id]?.interface }

    /// "3 devices, 2 running, 1 failed": for sd_notify STATUS= and logs.
    public var summary: String {
        let all = status()
        var counts: [String: Int] = [:]
        for item in all { counts[item.state, default: 0] += 1 }
        let states = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
        let deviceCount = Set(all.map(\.device)).count
        return "\(deviceCount) device\(deviceCount == 1 ? "" : "s")" + (states.isEmpty ? "" : ", " + states.joined(separator: ", "))
    }
}
