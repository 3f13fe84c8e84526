/// The exact argv and environment a binding's child gets for one device.
public struct LaunchPlan: Sendable, Equatable {
    public var argv: [String]
    /// `KEY=VALUE` in the order they are set; a later key replaces an earlier one.
    public var environment: [String]
    public var workingDirectory: String?
    public var user: String?
    public var group: String?

    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// PATH, the device's udev properties (those with valid names), INTERFACE
    /// after rename, HOTPLUGD_BINDING, HOTPLUGD_SYSPATH, HOTPLUGD_INSTANCE, then
    /// `[exec].environment`.
    public init(exec: ExecSettings, values: PlaceholderValues) {
        argv = exec.command.map(values.expand)
        var pairs: [(String, String)] = [("PATH", Self.defaultPath)]
        for (key, value) in values.device.properties.sorted(by: { $0.key < $1.key })
        where BindingDecoder.isEnvironmentName(key) && key != "PATH" {
            pairs.append((key, value))
        }
        if let interface = values.interface ?? values.device.interfaceName { pairs.append(("INTERFACE", interface)) }
        pairs.append(("HOTPLUGD_BINDING", values.bindingName))
        pairs.append(("HOTPLUGD_SYSPATH", values.device.syspath))
        pairs.append(("HOTPLUGD_INSTANCE", String(values.instance)))
        for (key, template) in exec.environment { pairs.append((key, values.expand(template))) }
        environment = Self.deduplicated(pairs).map { "\($0.0)=\($0.1)" }
        workingDirectory = exec.workingDirectory
        user = exec.user
        group = exec.group
    }

    static func deduplicated(_ pairs: [(String, String)]) -> [(String, String)] {
        var lastIndex: [String: Int] = [:]
        for (index, pair) in pairs.enumerated() { lastIndex[pair.0] = index }
        var seen = Set<String>()
        var result: [(String, String)] = []
        for (index, pair) in pairs.enumerated() where !seen.contains(pair.0) {
            seen.insert(pair.0)
            result.append(pairs[lastIndex[pair.0] ?? index])
        }
        return result
    }
}
