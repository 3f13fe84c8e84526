/// Loads a whole configuration: every binding file, then the checks that
/// span files. Pure: the shell reads the files and hands their text over.
public struct Configuration: Sendable, Equatable {
    public var bindings: [Binding]

    public init(bindings: [Binding]) { self.bindings = bindings }

    public func binding(named name: String) -> Binding? { bindings.first { $0.name == name } }

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
        var diagnostics: [ConfigDiagnostic] = []
        let owners = decoded.filter { $0.binding.link != nil }
        for (index, later) in owners.enumerated() {
            for earlier in owners[..<index] where MatchOverlap.mayOverlap(earlier.binding.match, later.binding.match) {
                let place = earlier.linkPosition.map { "\(earlier.binding.file):\($0.line):\($0.column)" } ?? earlier.binding.file
                diagnostics.append(ConfigDiagnostic(file: later.binding.file, position: later.linkPosition,
                    message: "binding '\(later.binding.name)' and binding '\(earlier.binding.name)' (\(place)) can match the same device and both have [link]; make their [match] exclusive or keep [link] in one of them"))
                break
            }
        }
        return diagnostics
    }
}

/// Whether two `[match]` sections evidently select the same devices: they
/// agree wherever both constrain a key, and one constrains nothing the other
/// leaves open (so it is the same match, or a narrower one, on the same
/// keys). Overlaps that depend on facts of the device itself (a veth that is
/// also a USB device?) cannot be seen in the files; the supervisor logs those
/// as conflicts when they happen.
enum MatchOverlap {
    static func mayOverlap(_ a: MatchRules, _ b: MatchRules) -> Bool {
        let keysA = constrained(a), keysB = constrained(b)
        guard keysA.keys.allSatisfy({ keysB[$0] != nil }) || keysB.keys.allSatisfy({ keysA[$0] != nil }) else {
            return false
        }
        for (key, x) in keysA {
            guard let y = keysB[key] else { continue }
            // Ancestor-walking keys can be satisfied by different devices of the chain.
            if key == "driver" || key.hasPrefix("attribute.") || key == "tag" { continue }
            if !x.mayOverlap(with: y) { return false }
        }
        return true
    }

    static func constrained(_ rules: MatchRules) -> [String: PatternList] {
        var keys: [String: PatternList] = ["subsystem": rules.subsystem]
        let optional: [(String, PatternList?)] = [
            ("devtype", rules.devtype), ("kernel", rules.kernel), ("driver", rules.driver),
            ("usb-vendor", rules.usbVendor), ("usb-product", rules.usbProduct), ("usb-serial", rules.usbSerial),
            ("mac", rules.mac), ("path", rules.path), ("tag", rules.tag),
        ]
        for case let (key, list?) in optional { keys[key] = list }
        for property in rules.properties { keys["property." + property.key] = property.patterns }
        for attribute in rules.attributes { keys["attribute." + attribute.key] = attribute.patterns }
        return keys
    }
}
