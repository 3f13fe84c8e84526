/// Turns one parsed binding file into a `Binding`, or into every diagnostic
/// the file deserves.
enum BindingDecoder {
    static let topKeys = ["description", "match", "link", "exec", "firewall", "listen"]
    static let matchKeys = ["subsystem", "devtype", "kernel", "driver", "usb-vendor", "usb-product",
                            "usb-serial", "mac", "path", "tag", "property", "attribute"]
    static let linkKeys = ["name", "mtu", "addresses", "up", "unmanaged"]
    static let execKeys = ["command", "environment", "working-directory", "user", "group", "restart",
                           "restart-delay", "restart-delay-max", "stop-signal", "stop-timeout", "settle", "instances"]

    struct Decoded {
        var binding: Binding
        /// Where `[link]` is declared, to point at it in conflict messages.
        var linkPosition: SourcePosition?
    }

    static func decode(_ source: ConfigSource) -> Result<Decoded, ConfigErrors> {
        let file = source.path
        var diagnostics: [ConfigDiagnostic] = []
        let name = source.bindingName
        if name.isEmpty || !name.unicodeScalars.allSatisfy(isBindingNameScalar) {
            diagnostics.append(ConfigDiagnostic(file: file, position: nil,
                message: "binding name '\(name)' (the file name without .toml) may use only letters, digits, '_', '.' and '-'"))
        }
        let document: TOMLTable
        do {
            document = try TOMLParser.parse(source.text)
        } catch {
            diagnostics.append(ConfigDiagnostic(file: file, position: error.position, message: error.message))
            return .failure(ConfigErrors(diagnostics))
        }
        let top = TableReader(document, context: "the top level", file: file, knownKeys: topKeys)
        diagnostics += top.unknownKeyDiagnostics()
        let description = top.string("description", into: &diagnostics)?.0

        var match: MatchRules?
        if let (table, _) = top.subtable("match", into: &diagnostics) {
            match = decodeMatch(TableReader(table, context: "[match]", file: file, knownKeys: matchKeys), into: &diagnostics)
        } else if document["match"] == nil {
            diagnostics.append(ConfigDiagnostic(file: file, position: SourcePosition(line: 1, column: 1),
                message: "missing [match] table; a binding needs at least [match] subsystem = \"...\""))
        }

        var link: LinkSettings?
        var linkPosition: SourcePosition?
        if let (table, entry) = top.subtable("link", into: &diagnostics) {
            linkPosition = entry.node.position
            link = decodeLink(TableReader(table, context: "[link]", file: file, knownKeys: linkKeys), into: &diagnostics)
            if let match, !match.subsystem.positives.allSatisfy({ $0.text == "net" }) || match.subsystem.positives.isEmpty {
                diagnostics.append(ConfigDiagnostic(file: file, position: entry.node.position,
                    message: "[link] applies to network interfaces only, but [match] subsystem is \(match.subsystem); set subsystem = \"net\" or remove [link]"))
            }
        }

        var exec: ExecSettings?
        if let (table, _) = top.subtable("exec", into: &diagnostics) {
            exec = decodeExec(TableReader(table, context: "[exec]", file: file, knownKeys: execKeys), into: &diagnostics)
        }

        var firewall: FirewallSettings?
        if let (table, entry) = top.subtable("firewall", into: &diagnostics) {
            let reader = TableReader(table, context: "[firewall]", file: file, knownKeys: FirewallDecoder.keys)
            firewall = FirewallDecoder.decode(reader, into: &diagnostics)
            if let match, !match.subsystem.positives.allSatisfy({ $0.text == "net" }) || match.subsystem.positives.isEmpty {
                diagnostics.append(ConfigDiagnostic(file: file, position: entry.node.position,
                    message: "[firewall] applies to network interfaces only, but [match] subsystem is \(match.subsystem); set subsystem = \"net\" or remove [firewall]"))
            }
        }

        var listen: ListenSettings?
        if let (table, entry) = top.subtable("listen", into: &diagnostics) {
            let isNet = match.map { !$0.subsystem.positives.isEmpty && $0.subsystem.positives.allSatisfy { $0.text == "net" } } ?? true
            let reader = TableReader(table, context: "[listen]", file: file, knownKeys: ListenDecoder.keys)
            listen = ListenDecoder.decode(reader, bindingName: name, isNet: isNet, into: &diagnostics)
            if top.table["exec"] == nil {
                diagnostics.append(ConfigDiagnostic(file: file, position: entry.node.position,
                    message: "[listen] opens sockets for the children, but the binding has no [exec]; add [exec] or remove [listen]"))
            }
        }

        guard diagnostics.isEmpty, let match else { return .failure(ConfigErrors(diagnostics)) }
        let binding = Binding(name: name, file: file, description: description, match: match, link: link, exec: exec,
                              firewall: firewall, listen: listen)
        return .success(Decoded(binding: binding, linkPosition: linkPosition))
    }

    static func isBindingNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        ASCIIByte.isNameCharacter(scalar)
    }

    // MARK: [match]

    static func decodeMatch(_ reader: TableReader, into diagnostics: inout [ConfigDiagnostic]) -> MatchRules? {
        diagnostics += reader.unknownKeyDiagnostics()
        func patterns(_ key: String) -> PatternList? {
            guard let entry = reader.table[key] else { return nil }
            guard let values = reader.strings(entry, into: &diagnostics) else { return nil }
            for (value, position) in values {
                if let problem = patternProblem(key: key, value) {
                    diagnostics.append(reader.diagnostic(position, problem))
                }
            }
            return PatternList(values.map(\.0))
        }
        func keyed(_ key: String) -> [KeyedPatterns] {
            guard let (table, _) = reader.subtable(key, into: &diagnostics) else { return [] }
            var result: [KeyedPatterns] = []
            for entry in table.entries {
                let valid = key == "property"
                    ? Placeholder.isValidKey(entry.key[...])
                    : Placeholder.isValidAttributePath(entry.key[...])
                if !valid {
                    diagnostics.append(reader.diagnostic(entry.keyPosition, "invalid \(key) name '\(entry.key)' in [match.\(key)]"))
                    continue
                }
                guard let values = reader.strings(entry, into: &diagnostics) else { continue }
                result.append(KeyedPatterns(key: entry.key, patterns: PatternList(values.map(\.0))))
            }
            return result
        }
        let subsystem = patterns("subsystem")
        if reader.table["subsystem"] == nil {
            diagnostics.append(ConfigDiagnostic(file: reader.file, position: nil,
                message: "[match] needs 'subsystem' (e.g. subsystem = \"net\")"))
        }
        let rules = MatchRules(
            subsystem: subsystem ?? PatternList([]),
            devtype: patterns("devtype"), kernel: patterns("kernel"), driver: patterns("driver"),
            usbVendor: patterns("usb-vendor"), usbProduct: patterns("usb-product"),
            usbSerial: patterns("usb-serial"), mac: patterns("mac"), path: patterns("path"), tag: patterns("tag"),
            properties: keyed("property"), attributes: keyed("attribute"))
        return subsystem == nil ? nil : rules
    }

    /// Catches values that can never match what the kernel reports.
    static func patternProblem(key: String, _ value: String) -> String? {
        let body = value.hasPrefix("!") ? String(value.dropFirst()) : value
        if body.isEmpty && key != "usb-serial" { return "empty pattern for '\(key)'" }
        let glob = Glob(body)
        switch key {
        case "usb-vendor" where glob.isLiteral, "usb-product" where glob.isLiteral:
            let isHex4 = body.count == 4 && body.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
            if !isHex4 {
                let attribute = key == "usb-vendor" ? "idVendor" : "idProduct"
                return "'\(key)' is 4 lowercase hex digits as sysfs \(attribute) shows it (e.g. \"067b\"), not '\(body)'"
            }
        case "mac":
            // Uppercase outside a [...] class can never match the lowercase address.
            if glob.literalScalars.contains(where: { $0.properties.isUppercase }) {
                return "'mac' is matched against sysfs 'address', which is lowercase: write '\(body.lowercased())'"
            }
        default:
            break
        }
        return nil
    }

    // MARK: [link]

    static func decodeLink(_ reader: TableReader, into diagnostics: inout [ConfigDiagnostic]) -> LinkSettings {
        diagnostics += reader.unknownKeyDiagnostics()
        var settings = LinkSettings()
        if let (text, entry) = reader.string("name", into: &diagnostics) {
            do {
                settings.name = try InterfaceNameTemplate(parsing: text)
            } catch {
                diagnostics.append(reader.diagnostic(entry.node.position, "invalid [link] name: \(error.message)"))
            }
        }
        if let (value, entry) = reader.integer("mtu", into: &diagnostics) {
            if (68...65535).contains(value) {
                settings.mtu = UInt32(value)
            } else {
                diagnostics.append(reader.diagnostic(entry.node.position, "mtu \(value) is out of range (68 to 65535)"))
            }
        }
        if let (values, _) = reader.stringArray("addresses", into: &diagnostics) {
            for (text, position) in values {
                if let prefix = IPPrefix(text) {
                    if let problem = LinkChecks.addressProblem(prefix) {
                        diagnostics.append(reader.diagnostic(position, problem))
                    }
                    settings.addresses.append(prefix)
                } else {
                    diagnostics.append(reader.diagnostic(position, "invalid address '\(text)'; write an IPv4 or IPv6 address with its prefix length, e.g. \"10.42.0.1/24\" or \"fd42::1/64\""))
                }
            }
        }
        let up = reader.bool("up", into: &diagnostics)
        settings.up = up ?? true
        settings.upIsWritten = up != nil
        settings.unmanaged = reader.bool("unmanaged", into: &diagnostics)
        if let problem = LinkChecks.mtuProblem(settings), let entry = reader.table["mtu"] {
            diagnostics.append(reader.diagnostic(entry.node.position, problem))
        }
        return settings
    }

    // MARK: [exec]

    static func decodeExec(_ reader: TableReader, into diagnostics: inout [ConfigDiagnostic]) -> ExecSettings? {
        diagnostics += reader.unknownKeyDiagnostics()
        func template(_ text: String, at position: SourcePosition) -> Template? {
            do {
                return try Template(parsing: text)
            } catch {
                diagnostics.append(reader.diagnostic(position.inString(offset: error.offset), error.message))
                return nil
            }
        }
        var command: [Template] = []
        if let (values, entry) = reader.stringArray("command", into: &diagnostics) {
            if values.isEmpty {
                diagnostics.append(reader.diagnostic(entry.node.position, "'command' is empty; give the program and its arguments, e.g. [\"/usr/bin/logger\", \"{interface}\"]"))
            } else if values[0].0.isEmpty {
                diagnostics.append(reader.diagnostic(values[0].1, "the program (first element of 'command') is empty"))
            }
            command = values.compactMap { template($0.0, at: $0.1) }
            let environment = reader.table["environment"].flatMap { if case .table(let t) = $0.node.value { t } else { nil } }
            diagnostics += ExecChecks.problems(command: values, environment: environment, at: reader.diagnostic)
        } else if reader.table["command"] == nil {
            diagnostics.append(ConfigDiagnostic(file: reader.file, position: nil,
                message: "[exec] needs 'command', the program and its arguments as a list"))
        }
        var environment: [(key: String, value: Template)] = []
        if let (table, _) = reader.subtable("environment", into: &diagnostics) {
            for entry in table.entries {
                guard isEnvironmentName(entry.key) else {
                    diagnostics.append(reader.diagnostic(entry.keyPosition, "'\(entry.key)' is not a valid environment variable name (letters, digits, '_', not starting with a digit)"))
                    continue
                }
                if ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"].contains(entry.key) {
                    diagnostics.append(reader.diagnostic(entry.keyPosition, "'\(entry.key)' is set by hotplugd for the sockets of [listen]; remove it here"))
                    continue
                }
                guard case .string(let text) = entry.node.value else {
                    diagnostics.append(reader.typeError(entry, expected: "a string"))
                    continue
                }
                if let value = template(text, at: entry.node.position) { environment.append((entry.key, value)) }
            }
        }
        var settings = ExecSettings(command: command, environment: environment)
        if let (path, entry) = reader.string("working-directory", into: &diagnostics) {
            if path.hasPrefix("/") && !path.unicodeScalars.contains("\0") {
                settings.workingDirectory = path
            } else {
                diagnostics.append(reader.diagnostic(entry.node.position, "'working-directory' must be an absolute path"))
            }
        }
        for key in ["user", "group"] {
            guard let (name, entry) = reader.string(key, into: &diagnostics) else { continue }
            if name.isEmpty || name.utf8.count > 64 || !name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0 != ":" }) {
                diagnostics.append(reader.diagnostic(entry.node.position, "invalid \(key) name '\(name)'"))
            } else if key == "user" {
                settings.user = name
            } else {
                settings.group = name
            }
        }
        if let (text, entry) = reader.string("restart", into: &diagnostics) {
            if let policy = RestartPolicy(rawValue: text) {
                settings.restart = policy
            } else {
                diagnostics.append(reader.diagnostic(entry.node.position, "'restart' must be \"no\", \"on-failure\" or \"always\", not '\(text)'"))
            }
        }
        if let (text, entry) = reader.string("stop-signal", into: &diagnostics) {
            if let signal = Signal(named: text) {
                settings.stopSignal = signal
            } else {
                diagnostics.append(reader.diagnostic(entry.node.position, "unknown signal '\(text)' for 'stop-signal'; e.g. \"SIGTERM\", \"SIGINT\", \"SIGHUP\""))
            }
        }
        if let span = reader.duration("restart-delay", into: &diagnostics) {
            if span < ExecSettings.minimumRestartDelay, let entry = reader.table["restart-delay"] {
                diagnostics.append(reader.diagnostic(entry.node.position, "'restart-delay' is \(span): a child that exits at once would be restarted thousands of times a second; give at least \(ExecSettings.minimumRestartDelay)"))
            } else {
                settings.restartDelay = span
            }
        }
        if let span = reader.duration("restart-delay-max", into: &diagnostics) { settings.restartDelayMax = span }
        if let span = reader.duration("stop-timeout", into: &diagnostics) { settings.stopTimeout = span }
        if let span = reader.duration("settle", into: &diagnostics) { settings.settle = span }
        if let (count, entry) = reader.integer("instances", into: &diagnostics) {
            if (1...ExecSettings.maximumInstances).contains(count) {
                settings.instances = Int(count)
            } else {
                diagnostics.append(reader.diagnostic(entry.node.position, "'instances' is \(count); give 1 to \(ExecSettings.maximumInstances) children per device"))
            }
        }
        if settings.restartDelayMax < settings.restartDelay, let entry = reader.table["restart-delay-max"] {
            diagnostics.append(reader.diagnostic(entry.node.position, "'restart-delay-max' (\(settings.restartDelayMax)) is shorter than 'restart-delay' (\(settings.restartDelay))"))
        }
        return command.isEmpty ? nil : settings
    }

    static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !ASCIIByte.isDigit(first) else { return false }
        return Placeholder.isValidKey(name[...])
    }
}
