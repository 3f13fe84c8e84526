/// What `run` would do with one device for one binding, computed without
/// touching anything: the verdict, and for a match the link and child plan.
public struct BindingPlan: Sendable {
    public var binding: Binding
    public var verdict: MatchVerdict
    /// New interface name, when `[link] name` is set and a name is free.
    public var newName: String?
    /// Set when `[link] name` is set but every name it can make is taken.
    public var nameProblem: String?
    public var launch: LaunchPlan?

    public init(binding: Binding, device: DeviceFacts, takenInterfaceNames: Set<String>) {
        self.binding = binding
        verdict = Matcher.verdict(binding.match, device)
        guard verdict.matched else { return }
        var interface = device.interfaceName
        if let template = binding.link?.name, let current = device.interfaceName {
            if let name = LinkPlanning.targetName(template, current: current, taken: takenInterfaceNames) {
                newName = name
                interface = name
            } else {
                nameProblem = "every name '\(template)' can make is taken"
            }
        }
        if let exec = binding.exec {
            launch = LaunchPlan(exec: exec, values: PlaceholderValues(device: device, bindingName: binding.name, interface: interface))
        }
    }
}
