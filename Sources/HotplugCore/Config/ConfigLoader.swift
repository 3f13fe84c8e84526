/// Loads a whole configuration: every binding file, then the checks that
/// span files. Pure: the shell reads the files and hands their text over.
public struct Configuration: Sendable, Equatable {
    public var bindings: [Binding] {
        didSet { positionByName = Self.positions(bindings) }
    }
    /// The supervisor looks bindings up by name several times per event.
    private var positionByName: [String: Int]

    public init(bindings: [Binding]) {
        self.bindings = bindings
        positionByName = Self.positions(bindings)
    }

    /// The first binding with that name.
    public func binding(named name: String) -> Binding? { positionByName[name].map { bindings[$0] } }

    private static func positions(_ bindings: [Binding]) -> [String: Int] {
        var positions: [String: Int] = [:]
        for (index, binding) in bindings.enumerated() where positions[binding.name] == nil { positions[binding.name] = index }
        return positions
    }

    /// Subsystems any binding can match, for the monitor's kernel-side
    /// filter; nil when some binding uses a glob there and so needs all.
    public var monitoredSubsystems: Set<String>? {
        var result = Set<String>()
        for binding in bindings {
            let positives = binding.match.subsystem.positives
            let names = positives.compactMap(\.literalValue)
            guard !positives.isEmpty, names.count == positives.count else { return nil }
            result.formUnion(names)
        }
        return result
    }

    /// Everything any binding could read, and the USB identity and MAC
    /// besides: what `hotplugd test` and `monitor` show of a device.
    public var everyFactNeed: FactNeeds {
        var needs = FactNeeds(ancestors: true, driver: true, attributeNames: FactNeeds.usbAttributes.union(["address"]))
        for binding in bindings { needs.formUnion(FactNeeds(binding)) }
        return needs
    }
}

public enum ConfigLoader {
    /// Every diagnostic of every file, in file order, or the configuration.
    public static func load(_ sources: [ConfigSource]) -> Result<Configuration, ConfigErrors> {
        var diagnostics: [ConfigDiagnostic] = []
        var decoded: [BindingDecoder.Decoded] = []
        for source in sources {
            switch BindingDecoder.decode(source) {
            case .success(let binding): decoded.append(binding)
            case .failure(let errors): diagnostics += errors.diagnostics
            }
        }
        diagnostics += linkOwnershipConflicts(decoded)
        guard diagnostics.isEmpty else { return .failure(ConfigErrors(diagnostics)) }
        return .success(Configuration(bindings: decoded.map(\.binding)))
    }

    /// Two bindings whose matches can select one device must not both carry
    /// `[link]`: they would fight over its name and addresses.
    static func linkOwnershipConflicts(_ decoded: [BindingDecoder.Decoded]) -> [ConfigDiagnostic] {
        LinkOwnership.conflicts(decoded)
    }
}
