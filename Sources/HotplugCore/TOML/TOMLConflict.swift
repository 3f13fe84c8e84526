/// Messages for keys and tables that TOML forbids defining twice.
enum TOMLConflict {
    static func duplicateKey(_ path: [TOMLKeyPart], firstDefinedAt first: SourcePosition) -> TOMLSyntaxError {
        error(at: path, "duplicate key '\(TOMLText.render(path))' (first defined at line \(first.line))")
    }

    static func duplicateTable(_ path: [TOMLKeyPart], firstDefinedAt first: SourcePosition) -> TOMLSyntaxError {
        error(at: path, "duplicate table '\(TOMLText.render(path))' (first defined at line \(first.line))")
    }

    /// `path` names an existing finished value that something tries to put keys into.
    static func notATable(_ path: [TOMLKeyPart], _ node: TOMLNode, definedAt keyPosition: SourcePosition) -> TOMLSyntaxError {
        let name = TOMLText.render(path)
        if case .table = node.value {
            return error(at: path, "cannot add keys to inline table '\(name)' (defined at line \(keyPosition.line))")
        }
        return error(at: path, "key '\(name)' is \(node.value.typeNameWithArticle), not a table (defined at line \(keyPosition.line))")
    }

    static func error(at path: [TOMLKeyPart], _ message: String) -> TOMLSyntaxError {
        TOMLSyntaxError(position: path.last?.position ?? SourcePosition(line: 1, column: 1), message: message)
    }
}
