/// Values on the right of '=': strings, numbers, booleans, date-times,
/// arrays and inline tables.
extension TOMLCursor {
    /// `containerDepth` counts the arrays and inline tables around the value;
    /// `treeDepth` is the value's depth below the document root.
    mutating func parseValue(containerDepth: Int, treeDepth: Int) throws(TOMLSyntaxError) -> TOMLNode {
        let start = position
        guard let first = peek() else { throw error("expected a value") }
        let value: TOMLValue
        switch first {
        case "\"":
            let isMultiline = peek(1) == "\"" && peek(2) == "\""
            value = .string(isMultiline ? try parseMultilineBasicString() : try parseBasicString())
        case "'":
            let isMultiline = peek(1) == "'" && peek(2) == "'"
            value = .string(isMultiline ? try parseMultilineLiteralString() : try parseLiteralString())
        case "[":
            value = try parseArray(containerDepth: containerDepth, treeDepth: treeDepth)
        case "{":
            value = try parseInlineTable(containerDepth: containerDepth, treeDepth: treeDepth)
        case _ where isAtDateTime:
            value = try parseDateTime()
        case _ where Self.isBareValueCharacter(first):
            value = try parseBareValue()
        default:
            throw error("expected a value")
        }
        return TOMLNode(value: value, position: start)
    }

    /// `key = value` into `table`, which is a section of the document or an
    /// inline table being read.
    mutating func parseKeyValue(into table: TOMLTableDraft, containerDepth: Int) throws(TOMLSyntaxError) {
        let key = try parseKey()
        skipWhitespace()
        guard peek() == "=" else { throw error("expected '=' after key '\(TOMLText.render(key.parts))'") }
        advance()
        skipWhitespace()
        let target = try TOMLKeyValueTarget.table(for: key, in: table)
        let node = try parseValue(containerDepth: containerDepth, treeDepth: target.depth &+ 1)
        target.add(TOMLEntryDraft(key.last, item: .value(node)))
    }

    private static func isBareValueCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isTOMLLetter || scalar.isTOMLDigit || scalar == "_" || scalar == "+" || scalar == "-" || scalar == "."
    }

    /// Booleans and numbers: a run of letters, digits and `_+-.`.
    private mutating func parseBareValue() throws(TOMLSyntaxError) -> TOMLValue {
        let start = position
        var token: [Unicode.Scalar] = []
        while let scalar = peek(), Self.isBareValueCharacter(scalar) {
            token.append(scalar)
            advance()
        }
        let text = String(String.UnicodeScalarView(token))
        switch text {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "inf", "nan": break
        default:
            if let first = token.first, first.isTOMLLetter {
                throw TOMLSyntaxError(position: start, message: "invalid value '\(TOMLText.abbreviate(text))' (strings must be quoted)")
            }
        }
        return try TOMLNumberParser(token: token, start: start).parse()
    }

    private mutating func enterContainer(containerDepth: Int, treeDepth: Int) throws(TOMLSyntaxError) {
        guard containerDepth < TOMLNestingLimits.maxContainerDepth, treeDepth <= TOMLNestingLimits.maxTreeDepth else {
            throw error(TOMLNestingLimits.message)
        }
        advance()
    }

    private mutating func parseArray(containerDepth: Int, treeDepth: Int) throws(TOMLSyntaxError) -> TOMLValue {
        let open = position
        try enterContainer(containerDepth: containerDepth, treeDepth: treeDepth)
        var elements: [TOMLNode] = []
        while true {
            try skipWhitespaceCommentsAndNewlines()
            if peek() == "]" {
                advance()
                return .array(elements)
            }
            if isAtEnd { throw TOMLSyntaxError(position: open, message: "unterminated array") }
            elements.append(try parseValue(containerDepth: containerDepth &+ 1, treeDepth: treeDepth &+ 1))
            try skipWhitespaceCommentsAndNewlines()
            switch peek() {
            case ",":
                advance()
            case "]":
                advance()
                return .array(elements)
            case nil:
                throw TOMLSyntaxError(position: open, message: "unterminated array")
            default:
                throw error("expected ',' or ']' in array")
            }
        }
    }

    private mutating func parseInlineTable(containerDepth: Int, treeDepth: Int) throws(TOMLSyntaxError) -> TOMLValue {
        let open = position
        try enterContainer(containerDepth: containerDepth, treeDepth: treeDepth)
        let table = TOMLTableDraft(origin: .inlineTable, position: open, depth: treeDepth)
        skipWhitespace()
        if peek() == "}" {
            advance()
            return .table(table.makeTable())
        }
        while true {
            try checkInlineTableContinues(open: open)
            try parseKeyValue(into: table, containerDepth: containerDepth &+ 1)
            skipWhitespace()
            switch peek() {
            case ",":
                let comma = position
                advance()
                skipWhitespace()
                if peek() == "}" {
                    throw TOMLSyntaxError(position: comma, message: "trailing comma is not allowed in an inline table")
                }
            case "}":
                advance()
                return .table(table.makeTable())
            default:
                try checkInlineTableContinues(open: open)
                throw error("expected ',' or '}' in inline table")
            }
        }
    }

    /// Inline tables must fit on one line (TOML 1.0).
    private func checkInlineTableContinues(open: SourcePosition) throws(TOMLSyntaxError) {
        if isAtEnd { throw TOMLSyntaxError(position: open, message: "unterminated inline table") }
        if isAtNewline { throw error("newline is not allowed in an inline table") }
    }
}
