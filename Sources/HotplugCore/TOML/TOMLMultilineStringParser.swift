/// Multi-line basic ("""...""") and literal ('''...''') strings.
extension TOMLCursor {
    mutating func parseMultilineBasicString() throws(TOMLSyntaxError) -> String {
        try parseMultilineString(delimiter: "\"", processesEscapes: true)
    }

    mutating func parseMultilineLiteralString() throws(TOMLSyntaxError) -> String {
        try parseMultilineString(delimiter: "'", processesEscapes: false)
    }

    private mutating func parseMultilineString(delimiter: Unicode.Scalar, processesEscapes: Bool) throws(TOMLSyntaxError) -> String {
        let start = position
        advance(by: 3)
        // A newline right after the opening delimiter is not part of the string.
        _ = try consumeNewline()
        var content = String.UnicodeScalarView()
        while true {
            guard let scalar = peek() else {
                throw TOMLSyntaxError(position: start, message: "unterminated string")
            }
            switch scalar {
            case delimiter:
                var run = 0
                while peek(run) == delimiter, run < 5 { run += 1 }
                guard run >= 3 else {
                    content.append(contentsOf: repeatElement(delimiter, count: run))
                    advance(by: run)
                    continue
                }
                // Up to two quotes may sit just inside the closing delimiter.
                content.append(contentsOf: repeatElement(delimiter, count: run - 3))
                advance(by: run)
                return String(content)
            case "\\" where processesEscapes:
                if isLineEndingBackslash() {
                    try skipLineEndingBackslash()
                } else {
                    content.append(try parseEscape(stringStart: start))
                }
            case "\n":
                content.append("\n")
                advance()
            case "\r":
                guard peek(1) == "\n" else { throw error("bare carriage return is not allowed") }
                content.append("\n")
                advance(by: 2)
            default:
                try checkStringCharacter(scalar)
                content.append(scalar)
                advance()
            }
        }
    }

    /// A backslash followed only by whitespace up to the end of the line.
    private func isLineEndingBackslash() -> Bool {
        var offset = 1
        while let scalar = peek(offset), scalar == " " || scalar == "\t" { offset += 1 }
        return peek(offset) == "\n" || (peek(offset) == "\r" && peek(offset + 1) == "\n")
    }

    /// Trims the backslash and all whitespace and newlines after it.
    private mutating func skipLineEndingBackslash() throws(TOMLSyntaxError) {
        advance()
        while true {
            skipWhitespace()
            if try !consumeNewline() { return }
        }
    }
}
