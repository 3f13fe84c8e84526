/// The exact argv and environment a binding's child gets for one device.
public struct LaunchPlan: Sendable, Equatable {
    public var argv: [String]
    /// `KEY=VALUE` in the order they are set; a later key replaces an earlier one.
    public var environment: [String]
    public var workingDirectory: String?
    public var user: String?
    public var group: String?
    /// How this child is to be stopped, whatever the binding says later:
    /// the shell keeps it with the child (crash records, a live upgrade).
    public var stop: StopSequence

    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// PATH, the device's udev properties (those with valid names), INTERFACE
    /// after rename, HOTPLUGD_BINDING, HOTPLUGD_SYSPATH, HOTPLUGD_INSTANCE, then
    /// `[exec].environment`.
    public init(exec: ExecSettings, values: PlaceholderValues) {
        argv = exec.command.map(values.expand)
        var pairs: [(String, String)] = [("PATH", Self.defaultPath)]
        // Names are ASCII once checked, so bytes sort them as String would,
        // without String's Unicode-aware comparison (this runs before every spawn).
        let properties = values.device.properties.filter { BindingDecoder.isEnvironmentName($0.key) && $0.key != "PATH" }
        pairs.reserveCapacity(properties.count + 5 + exec.environment.count)
        pairs += properties.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { ($0.key, $0.value) }
        if let interface = values.interface ?? values.device.interfaceName { pairs.append(("INTERFACE", interface)) }
        pairs.append(("HOTPLUGD_BINDING", values.bindingName))
        pairs.append(("HOTPLUGD_SYSPATH", values.device.syspath))
        pairs.append(("HOTPLUGD_INSTANCE", String(values.instance)))
        for (key, template) in exec.environment { pairs.append((key, values.expand(template))) }
        environment = Self.deduplicated(pairs).map { $0.0 + "=" + $0.1 }
        workingDirectory = exec.workingDirectory
        user = exec.user
        group = exec.group
        stop = exec.stopSequence
    }

    /// Each key once, where it first appeared, with the value it was given last.
    static func deduplicated(_ pairs: [(String, String)]) -> [(String, String)] {
        var position: [String: Int] = [:]
        position.reserveCapacity(pairs.count)
        var result: [(String, String)] = []
        result.reserveCapacity(pairs.count)
        for pair in pairs {
            if let index = position[pair.0] {
                result[index] = pair
            } else {
                position[pair.0] = result.count
                result.append(pair)
            }
        }
        return result
    }
}
