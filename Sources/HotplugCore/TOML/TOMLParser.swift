/// Parses TOML 1.0 documents, keeping the position of every key and value.
public enum TOMLParser {
    public static func parse(_ text: String) throws(TOMLSyntaxError) -> TOMLTable {
        var cursor = TOMLCursor(text)
        var document = TOMLDocumentBuilder()
        while true {
            cursor.skipWhitespace()
            guard let next = cursor.peek() else { break }
            switch next {
            case "#":
                try cursor.skipComment()
            case "\n", "\r":
                _ = try cursor.consumeNewline()
            case "[":
                try cursor.parseHeader(into: &document)
                try cursor.expectLineEnd(after: "table header")
            default:
                try cursor.parseKeyValue(into: document.currentTable, containerDepth: 0)
                try cursor.expectLineEnd(after: "value")
            }
        }
        return document.root.makeTable()
    }
}

extension TOMLCursor {
    /// `[a.b]` or `[[a.b]]`.
    mutating func parseHeader(into document: inout TOMLDocumentBuilder) throws(TOMLSyntaxError) {
        let open = position
        advance()
        let isArrayOfTables = peek() == "["
        if isArrayOfTables { advance() }
        skipWhitespace()
        let key = try parseKey()
        skipWhitespace()
        if isArrayOfTables {
            guard peek() == "]", peek(1) == "]" else { throw error("expected ']]' to close array of tables header") }
            advance(by: 2)
            try document.appendArrayTable(key, header: open)
        } else {
            guard peek() == "]" else { throw error("expected ']' to close table header") }
            advance()
            try document.defineTable(key, header: open)
        }
    }
}
