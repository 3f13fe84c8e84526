/// Assembles the document's tables as `[table]` and `[[array]]` headers
/// arrive, enforcing that no table is defined twice.
struct TOMLDocumentBuilder {
    let root = TOMLTableDraft(origin: .header, position: SourcePosition(line: 1, column: 1), depth: 0)
    /// The table that the key-value pairs below the latest header go into.
    private(set) var currentTable: TOMLTableDraft

    init() {
        currentTable = root
    }

    mutating func defineTable(_ key: TOMLDottedKey, header: SourcePosition) throws(TOMLSyntaxError) {
        let parent = try parentTable(of: key)
        let path = key.parts
        guard let existing = parent.entry(for: key.last.name) else {
            let table = try TOMLKeyValueTarget.makeTable(origin: .header, at: key.last, depth: parent.depth &+ 1)
            table.position = header
            parent.add(TOMLEntryDraft(key.last, item: .table(table)))
            currentTable = table
            return
        }
        switch existing.item {
        case .table(let table) where table.origin == .implicitlyByHeader:
            table.origin = .header
            table.position = header
            existing.keyPosition = key.last.position
            currentTable = table
        case .table:
            throw TOMLConflict.duplicateTable(path, firstDefinedAt: existing.keyPosition)
        case .arrayOfTables:
            throw TOMLConflict.error(at: path,
                "'\(TOMLText.render(path))' is already an array of tables (first defined at line \(existing.keyPosition.line))")
        case .value(let node):
            if case .table = node.value {
                throw TOMLConflict.duplicateTable(path, firstDefinedAt: existing.keyPosition)
            }
            throw TOMLConflict.duplicateKey(path, firstDefinedAt: existing.keyPosition)
        }
    }

    mutating func appendArrayTable(_ key: TOMLDottedKey, header: SourcePosition) throws(TOMLSyntaxError) {
        let parent = try parentTable(of: key)
        let path = key.parts
        guard let existing = parent.entry(for: key.last.name) else {
            let table = try TOMLKeyValueTarget.makeTable(origin: .header, at: key.last, depth: parent.depth &+ 2)
            table.position = header
            parent.add(TOMLEntryDraft(key.last, item: .arrayOfTables(TOMLArrayOfTablesDraft(position: header, first: table))))
            currentTable = table
            return
        }
        switch existing.item {
        case .arrayOfTables(let array):
            let table = try TOMLKeyValueTarget.makeTable(origin: .header, at: key.last, depth: parent.depth &+ 2)
            table.position = header
            array.append(table)
            currentTable = table
        case .table:
            throw TOMLConflict.error(at: path,
                "cannot redefine table '\(TOMLText.render(path))' as an array of tables (first defined at line \(existing.keyPosition.line))")
        case .value(let node):
            if case .array = node.value {
                throw TOMLConflict.error(at: path,
                    "cannot append to static array '\(TOMLText.render(path))' (defined at line \(existing.keyPosition.line))")
            }
            throw TOMLConflict.duplicateKey(path, firstDefinedAt: existing.keyPosition)
        }
    }

    /// Walks the header's parent parts; each names a table (made if missing)
    /// or an array of tables, whose latest table is meant.
    private func parentTable(of key: TOMLDottedKey) throws(TOMLSyntaxError) -> TOMLTableDraft {
        let parts = key.parts
        var table = root
        for (offset, part) in key.parents.enumerated() {
            let path = Array(parts[...offset])
            guard let existing = table.entry(for: part.name) else {
                let child = try TOMLKeyValueTarget.makeTable(origin: .implicitlyByHeader, at: part, depth: table.depth &+ 1)
                table.add(TOMLEntryDraft(part, item: .table(child)))
                table = child
                continue
            }
            switch existing.item {
            case .table(let child):
                table = child
            case .arrayOfTables(let array):
                guard let last = array.last else { throw TOMLConflict.error(at: path, "empty array of tables") }
                table = last
            case .value(let node):
                throw TOMLConflict.notATable(path, node, definedAt: existing.keyPosition)
            }
        }
        return table
    }
}
