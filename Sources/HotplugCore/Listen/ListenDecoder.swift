/// Reads `[listen]` out of a binding file, with a diagnostic at the
/// position of every value that `run` could not open.
enum ListenDecoder {
    static let keys = ["stream", "datagram", "bind-to-device", "mode", "backlog", "name"]

    static func decode(_ reader: TableReader, bindingName: String, isNet: Bool,
                       into diagnostics: inout [ConfigDiagnostic]) -> ListenSettings {
        diagnostics += reader.unknownKeyDiagnostics()
        var settings = ListenSettings(name: bindingName)
        var seen = Set<ListenSocket>()
        for kind in [ListenSocket.Kind.stream, .datagram] {
            guard let (values, _) = reader.stringArray(kind.rawValue, into: &diagnostics) else { continue }
            for (text, position) in values {
                let address: ListenAddress
                do {
                    address = try ListenAddress(parsing: text)
                } catch {
                    diagnostics.append(reader.diagnostic(position, problem(error, text, kind)))
                    continue
                }
                guard seen.insert(ListenSocket(kind: kind, address: address)).inserted else {
                    diagnostics.append(reader.diagnostic(position, "'\(text)' is listed twice in '\(kind.rawValue)'"))
                    continue
                }
                let earlier = kind == .stream ? settings.stream : settings.datagram
                if let clash = earlier.first(where: { overlaps($0, address) }) {
                    diagnostics.append(reader.diagnostic(position, "'\(text)' and '\(clash)' in '\(kind.rawValue)' are the same port on overlapping addresses: the second bind would fail at every plug (\"PORT\" alone already takes every address)"))
                    continue
                }
                if kind == .stream { settings.stream.append(address) } else { settings.datagram.append(address) }
            }
        }
        let count = settings.stream.count + settings.datagram.count
        if count == 0 && !diagnostics.contains(where: { $0.file == reader.file }) {
            diagnostics.append(ConfigDiagnostic(file: reader.file, position: nil,
                message: "[listen] needs at least one address in 'stream' or 'datagram', e.g. stream = [\"8080\"]"))
        } else if count > ListenSettings.maximumSockets {
            diagnostics.append(ConfigDiagnostic(file: reader.file, position: nil,
                message: "[listen] lists \(count) sockets; at most \(ListenSettings.maximumSockets) are passed to a child"))
        }
        if let (value, entry) = bindToDevice(reader, into: &diagnostics) {
            if value && !isNet {
                diagnostics.append(reader.diagnostic(entry.node.position,
                    "'bind-to-device' needs a network interface, but the binding does not match subsystem = \"net\"; set it to false"))
            }
            settings.bindToDevice = value
        } else {
            settings.bindToDevice = isNet
        }
        if let (text, entry) = reader.string("mode", into: &diagnostics) {
            if let mode = ListenMode(rawValue: text) {
                settings.mode = mode
            } else {
                diagnostics.append(reader.diagnostic(entry.node.position, "'mode' must be \"shared\" or \"reuseport\", not '\(Printable.escaped(text))'"))
            }
        }
        if let (value, entry) = reader.integer("backlog", into: &diagnostics) {
            if (1...ListenSettings.maximumBacklog).contains(value) {
                settings.backlog = Int32(value)
            } else {
                diagnostics.append(reader.diagnostic(entry.node.position, "'backlog' is \(value); give 1 to \(ListenSettings.maximumBacklog)"))
            }
        }
        if let (name, entry) = reader.string("name", into: &diagnostics) {
            if isValidName(name) {
                settings.name = name
            } else {
                diagnostics.append(reader.diagnostic(entry.node.position,
                    "'name' is what LISTEN_FDNAMES gives the child: 1 to 255 printable ASCII characters without ':' or spaces"))
            }
        }
        return settings
    }

    /// Whether binding both would fail with EADDRINUSE: the same port, and
    /// one of them takes every address the other could (`"PORT"` and `[::]`
    /// take all of IPv4 and IPv6, being dual-stack as systemd's
    /// BindIPv6Only=default; `0.0.0.0` takes all of IPv4).
    static func overlaps(_ first: ListenAddress, _ second: ListenAddress) -> Bool {
        guard first.port == second.port else { return false }
        switch (first.host, second.host) {
        case (.any, _), (_, .any): return true
        case (.ipv6(let a), _) where a.allSatisfy({ $0 == 0 }): return true
        case (_, .ipv6(let b)) where b.allSatisfy({ $0 == 0 }): return true
        case (.ipv4(let a), .ipv4(let b)): return a == b || a.allSatisfy { $0 == 0 } || b.allSatisfy { $0 == 0 }
        case (.ipv6(let a), .ipv6(let b)): return a == b || a.allSatisfy { $0 == 0 } || b.allSatisfy { $0 == 0 }
        default: return false
        }
    }

    private static func bindToDevice(_ reader: TableReader, into diagnostics: inout [ConfigDiagnostic]) -> (Bool, TOMLEntry)? {
        guard let entry = reader.table["bind-to-device"] else { return nil }
        guard let value = reader.bool("bind-to-device", into: &diagnostics) else { return nil }
        return (value, entry)
    }

    /// As systemd's fdname_is_valid: LISTEN_FDNAMES is split at ':'.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255 && name.unicodeScalars.allSatisfy { $0.value > 32 && $0.value < 127 && $0 != ":" }
    }

    private static func problem(_ error: ListenAddress.ParseError, _ text: String, _ kind: ListenSocket.Kind) -> String {
        let shown = Printable.escaped(text)
        switch error {
        case .badPort: return "port in '\(shown)' is out of range; give 1 to 65535"
        case .badAddress: return "'\(shown)' has an invalid address; write \"PORT\", \"ADDR:PORT\" or \"[ADDR6]:PORT\""
        case .syntax: return "'\(shown)' is not a \(kind.rawValue) address; write \"PORT\", \"ADDR:PORT\" or \"[ADDR6]:PORT\" (e.g. \"8080\", \"10.42.0.1:8080\", \"[fd42::1]:8080\")"
        }
    }
}
