/// Which bindings each present device matched, kept by identity (devpath,
/// followed across renames) so that a remove reports what the add matched:
/// by remove time the sysfs facts are gone and matching again would lie.
public struct EventTracker: Sendable {
    public let configuration: Configuration
    private var matchedByDevpath: [String: [String]] = [:]

    private let table: MatchTable

    public init(configuration: Configuration) {
        self.configuration = configuration
        table = MatchTable(configuration.bindings)
    }

    public func matchingBindings(_ facts: DeviceFacts) -> [String] {
        table.matchingNames(facts)
    }

    public mutating func remember(_ facts: DeviceFacts) {
        matchedByDevpath[facts.devpath] = matchingBindings(facts)
    }

    /// Updates what is known and returns the bindings the event concerns.
    public mutating func handle(action: String, facts: DeviceFacts) -> [String] {
        switch action {
        case "remove":
            return matchedByDevpath.removeValue(forKey: facts.devpath) ?? []
        case "move":
            let old = facts.properties["DEVPATH_OLD"]
            let known = old.flatMap { matchedByDevpath.removeValue(forKey: $0) }
            let bindings = known ?? matchingBindings(facts)
            matchedByDevpath[facts.devpath] = bindings
            return bindings
        case "add", "change", "bind", "unbind":
            let bindings = matchingBindings(facts)
            matchedByDevpath[facts.devpath] = bindings
            return bindings
        default:
            // Unknown actions change nothing: never taken as remove.
            return matchedByDevpath[facts.devpath] ?? matchingBindings(facts)
        }
    }
}
