/// Where a `key = value` pair lands: walks the dotted parts of its key from
/// the table being filled, creating the tables they name.
enum TOMLKeyValueTarget {
    /// The table that receives the key's last part, after checking that the
    /// last part is still free.
    static func table(for key: TOMLDottedKey, in start: TOMLTableDraft) throws(TOMLSyntaxError) -> TOMLTableDraft {
        let parts = key.parts
        var table = start
        for (offset, part) in key.parents.enumerated() {
            let path = Array(parts[...offset])
            guard let existing = table.entry(for: part.name) else {
                let child = try makeTable(origin: .dottedKey, at: part, depth: table.depth &+ 1)
                table.add(TOMLEntryDraft(part, item: .table(child)))
                table = child
                continue
            }
            switch existing.item {
            case .table(let child):
                // Dotted keys may extend tables they created, not ones a header defined.
                guard child.origin != .header else {
                    throw TOMLConflict.error(at: path,
                        "cannot add keys to table '\(TOMLText.render(path))' with dotted keys (defined by a header at line \(existing.keyPosition.line))")
                }
                // Keys added this way define the table, so no header may define it later.
                if child.origin == .implicitlyByHeader { child.origin = .dottedKey }
                table = child
            case .arrayOfTables:
                throw TOMLConflict.error(at: path,
                    "cannot add keys to array of tables '\(TOMLText.render(path))' with dotted keys (defined at line \(existing.keyPosition.line))")
            case .value(let node):
                throw TOMLConflict.notATable(path, node, definedAt: existing.keyPosition)
            }
        }
        if let existing = table.entry(for: key.last.name) {
            throw TOMLConflict.duplicateKey(parts, firstDefinedAt: existing.keyPosition)
        }
        return table
    }

    static func makeTable(origin: TOMLTableDraft.Origin, at part: TOMLKeyPart, depth: Int) throws(TOMLSyntaxError) -> TOMLTableDraft {
        guard depth <= TOMLNestingLimits.maxTreeDepth else {
            throw TOMLSyntaxError(position: part.position, message: TOMLNestingLimits.message)
        }
        return TOMLTableDraft(origin: origin, position: part.position, depth: depth)
    }
}
