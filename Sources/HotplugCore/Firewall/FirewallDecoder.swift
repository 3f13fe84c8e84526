/// Reads a binding's `[firewall]` table, with a `FILE:LINE:COL` diagnostic
/// for every value nftables would refuse or that would not do what it says.
enum FirewallDecoder {
    static let keys = ["input", "forward", "allow-tcp", "allow-udp", "allow-icmp", "forward-to", "accept-mark"]

    static func decode(_ reader: TableReader, into diagnostics: inout [ConfigDiagnostic]) -> FirewallSettings {
        diagnostics += reader.unknownKeyDiagnostics()
        var settings = FirewallSettings()
        settings.input = policy("input", reader, &diagnostics) ?? .open
        settings.forward = policy("forward", reader, &diagnostics) ?? .open
        settings.allowTCP = PortRange.merged(ports("allow-tcp", reader, &diagnostics))
        settings.allowUDP = PortRange.merged(ports("allow-udp", reader, &diagnostics))
        settings.allowICMP = reader.bool("allow-icmp", into: &diagnostics) ?? false
        if let (values, entry) = reader.stringArray("forward-to", into: &diagnostics) {
            for (pattern, position) in values {
                if let problem = interfacePatternProblem(pattern) {
                    diagnostics.append(reader.diagnostic(position, problem))
                } else {
                    settings.forwardTo.append(pattern)
                }
            }
            if settings.forward != .restrict {
                diagnostics.append(reader.diagnostic(entry.node.position,
                    "'forward-to' has effect only with forward = \"restrict\""))
            }
        }
        if let entry = reader.table["accept-mark"] {
            settings.acceptMark = mark(entry, reader, &diagnostics)
        }
        // Allow lists and a mark without a restricted direction would do
        // nothing, which is never what the person writing them meant.
        if !settings.restrictsAnything {
            for key in ["allow-tcp", "allow-udp", "allow-icmp", "accept-mark"] {
                guard let entry = reader.table[key] else { continue }
                diagnostics.append(reader.diagnostic(entry.keyPosition,
                    "'\(key)' has effect only when input or forward is \"restrict\" (both are \"open\")"))
            }
        }
        return settings
    }

    static func policy(_ key: String, _ reader: TableReader, _ diagnostics: inout [ConfigDiagnostic]) -> FirewallSettings.Policy? {
        guard let (text, entry) = reader.string(key, into: &diagnostics) else { return nil }
        guard let policy = FirewallSettings.Policy(rawValue: text) else {
            diagnostics.append(reader.diagnostic(entry.node.position, "'\(key)' must be \"restrict\" or \"open\", not '\(text)'"))
            return nil
        }
        return policy
    }

    /// A list of ports: integers, or strings holding a port or "A-B".
    static func ports(_ key: String, _ reader: TableReader, _ diagnostics: inout [ConfigDiagnostic]) -> [PortRange] {
        guard let entry = reader.table[key] else { return [] }
        guard case .array(let nodes) = entry.node.value else {
            diagnostics.append(reader.typeError(entry, expected: "a list of ports, e.g. [8080, \"27015-27030\"]"))
            return []
        }
        var ranges: [PortRange] = []
        for node in nodes {
            switch node.value {
            case .integer(let port):
                if let range = PortRange(port, port) {
                    ranges.append(range)
                } else {
                    diagnostics.append(reader.diagnostic(node.position, "port \(port) in '\(key)' is out of range (1 to 65535)"))
                }
            case .string(let text):
                if let range = portRange(text) {
                    ranges.append(range)
                } else {
                    diagnostics.append(reader.diagnostic(node.position, portRangeProblem(text, key: key)))
                }
            default:
                diagnostics.append(reader.diagnostic(node.position,
                    "'\(key)' must list ports (8080) or ranges (\"27015-27030\"), found \(article(node.value.typeName))"))
            }
        }
        return ranges
    }

    static func portRange(_ text: String) -> PortRange? {
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        let numbers = parts.map { part -> Int64? in
            guard !part.isEmpty, part.count <= 5, part.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            return Int64(part)
        }
        guard numbers.allSatisfy({ $0 != nil }), let lower = numbers.first ?? nil, let upper = numbers.last ?? nil else { return nil }
        return PortRange(lower, upper)
    }

    static func portRangeProblem(_ text: String, key: String) -> String {
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { Int64($0) }
        if parts.count == 2, let lower = parts[0], let upper = parts[1], lower > upper, lower <= 65535 {
            return "port range '\(text)' in '\(key)' is reversed; write \"\(upper)-\(lower)\""
        }
        if parts.allSatisfy({ $0 != nil }) {
            return "port range '\(text)' in '\(key)' is out of range (ports are 1 to 65535)"
        }
        return "invalid port or range '\(text)' in '\(key)'; write a port (8080) or a range (\"27015-27030\")"
    }

    /// A mark: an integer, or a string in decimal or 0x-hex; not 0 (it
    /// would mark nothing) and within 32 bits.
    static func mark(_ entry: TOMLEntry, _ reader: TableReader, _ diagnostics: inout [ConfigDiagnostic]) -> UInt32? {
        let value: Int64?
        switch entry.node.value {
        case .integer(let number):
            value = number
        case .string(let text):
            let lowered = text.lowercased()
            if lowered.hasPrefix("0x") {
                let digits = lowered.dropFirst(2)
                value = digits.count <= 8 && !digits.isEmpty ? Int64(digits, radix: 16) : nil
            } else {
                value = text.count <= 10 && text.allSatisfy({ $0.isASCII && $0.isNumber }) ? Int64(text) : nil
            }
        default:
            diagnostics.append(reader.typeError(entry, expected: "a mark such as \"0x4000\""))
            return nil
        }
        guard let value, value > 0, value <= Int64(UInt32.max) else {
            diagnostics.append(reader.diagnostic(entry.node.position,
                "invalid 'accept-mark'; write a non-zero 32-bit mark such as \"0x4000\" (the host ruleset matches it with --mark 0x4000/0x4000)"))
            return nil
        }
        return UInt32(value)
    }

    /// An out-interface pattern nftables matches exactly as written: an
    /// interface name of safe characters, optionally ending in `*`. The
    /// pattern goes into rule text, so anything else is refused here.
    static func interfacePatternProblem(_ pattern: String) -> String? {
        let name = pattern.hasSuffix("*") ? String(pattern.dropLast()) : pattern
        let safe = name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_.-@+".unicodeScalars.contains($0))
        }
        guard safe, !name.isEmpty, name.utf8.count <= 15 else {
            return "invalid 'forward-to' pattern '\(pattern)'; write an interface name (letters, digits, '_', '.', '-', '@', '+'; at most 15) optionally ending in '*', e.g. \"br-*\""
        }
        return nil
    }
}
