/// Reads typed values out of one TOML table and records a diagnostic, at the
/// key or value's position, for every unknown key and wrong type. Decoding
/// goes on after an error so one run reports every problem in the file.
struct TableReader {
    let table: TOMLTable
    /// How the table is named in messages: "[exec]", "the top level".
    let context: String
    let file: String
    let knownKeys: [String]

    init(_ table: TOMLTable, context: String, file: String, knownKeys: [String]) {
        self.table = table
        self.context = context
        self.file = file
        self.knownKeys = knownKeys
    }

    func unknownKeyDiagnostics() -> [ConfigDiagnostic] {
        table.entries.filter { !knownKeys.contains($0.key) }.map { entry in
            var message = "unknown key '\(entry.key)' in \(context)"
            if let suggestion = Suggestion.closest(to: entry.key, among: knownKeys) {
                message += "; did you mean '\(suggestion)'?"
            }
            return ConfigDiagnostic(file: file, position: entry.keyPosition, message: message)
        }
    }

    func diagnostic(_ position: SourcePosition, _ message: String) -> ConfigDiagnostic {
        ConfigDiagnostic(file: file, position: position, message: message)
    }

    func typeError(_ entry: TOMLEntry, expected: String) -> ConfigDiagnostic {
        diagnostic(entry.node.position, "'\(entry.key)' must be \(expected), found \(article(entry.node.value.typeName))")
    }

    func string(_ key: String, into diagnostics: inout [ConfigDiagnostic]) -> (String, TOMLEntry)? {
        guard let entry = table[key] else { return nil }
        guard case .string(let value) = entry.node.value else {
            diagnostics.append(typeError(entry, expected: "a string"))
            return nil
        }
        return (value, entry)
    }

    func bool(_ key: String, into diagnostics: inout [ConfigDiagnostic]) -> Bool? {
        guard let entry = table[key] else { return nil }
        guard case .boolean(let value) = entry.node.value else {
            diagnostics.append(typeError(entry, expected: "true or false"))
            return nil
        }
        return value
    }

    func integer(_ key: String, into diagnostics: inout [ConfigDiagnostic]) -> (Int64, TOMLEntry)? {
        guard let entry = table[key] else { return nil }
        guard case .integer(let value) = entry.node.value else {
            diagnostics.append(typeError(entry, expected: "an integer"))
            return nil
        }
        return (value, entry)
    }

    func subtable(_ key: String, into diagnostics: inout [ConfigDiagnostic]) -> (TOMLTable, TOMLEntry)? {
        guard let entry = table[key] else { return nil }
        guard case .table(let value) = entry.node.value else {
            diagnostics.append(typeError(entry, expected: "a table ([\(key)])"))
            return nil
        }
        return (value, entry)
    }

    /// A string or a non-empty array of strings, each with its position.
    func strings(_ entry: TOMLEntry, into diagnostics: inout [ConfigDiagnostic]) -> [(String, SourcePosition)]? {
        switch entry.node.value {
        case .string(let value):
            return [(value, entry.node.position)]
        case .array(let nodes):
            if nodes.isEmpty {
                diagnostics.append(diagnostic(entry.node.position, "'\(entry.key)' is an empty list; give at least one value or remove the key"))
                return nil
            }
            return stringElements(of: entry.key, nodes, into: &diagnostics)
        default:
            diagnostics.append(typeError(entry, expected: "a string or a list of strings"))
            return nil
        }
    }

    func stringArray(_ key: String, into diagnostics: inout [ConfigDiagnostic]) -> ([(String, SourcePosition)], TOMLEntry)? {
        guard let entry = table[key] else { return nil }
        guard case .array(let nodes) = entry.node.value else {
            diagnostics.append(typeError(entry, expected: "a list of strings"))
            return nil
        }
        guard let values = stringElements(of: key, nodes, into: &diagnostics) else { return nil }
        return (values, entry)
    }

    /// The elements of a list that must hold strings only, each with its position.
    private func stringElements(of key: String, _ nodes: [TOMLNode],
                                into diagnostics: inout [ConfigDiagnostic]) -> [(String, SourcePosition)]? {
        var values: [(String, SourcePosition)] = []
        for node in nodes {
            guard case .string(let value) = node.value else {
                diagnostics.append(diagnostic(node.position, "'\(key)' must list strings, found \(article(node.value.typeName))"))
                return nil
            }
            values.append((value, node.position))
        }
        return values
    }

    func duration(_ key: String, into diagnostics: inout [ConfigDiagnostic]) -> TimeSpan? {
        guard let (text, entry) = string(key, into: &diagnostics) else { return nil }
        guard let span = TimeSpan(parsing: text) else {
            diagnostics.append(diagnostic(entry.node.position, "invalid duration '\(text)' for '\(key)'; write it like \"500ms\", \"5s\" or \"2m\" (at most 24h)"))
            return nil
        }
        return span
    }
}

func article(_ typeName: String) -> String {
    (typeName.first.map { "aeiou".contains($0) } ?? false ? "an " : "a ") + typeName
}

extension SourcePosition {
    /// The position `offset` scalars into a string value that starts here
    /// (past the opening quote). Exact for strings without escapes.
    func inString(offset: Int) -> SourcePosition {
        SourcePosition(line: line, column: column + 1 + offset)
    }
}
