/// Single-line basic ("...") and literal ('...') strings, and escapes.
extension TOMLCursor {
    mutating func parseBasicString() throws(TOMLSyntaxError) -> String {
        let start = position
        advance()
        var content = String.UnicodeScalarView()
        while true {
            guard let scalar = peek(), scalar != "\n", scalar != "\r" || peek(1) != "\n" else {
                throw TOMLSyntaxError(position: start, message: "unterminated string")
            }
            switch scalar {
            case "\"":
                advance()
                return String(content)
            case "\\":
                content.append(try parseEscape(stringStart: start))
            default:
                try checkStringCharacter(scalar)
                content.append(scalar)
                advance()
            }
        }
    }

    mutating func parseLiteralString() throws(TOMLSyntaxError) -> String {
        let start = position
        advance()
        var content = String.UnicodeScalarView()
        while true {
            guard let scalar = peek(), scalar != "\n", scalar != "\r" || peek(1) != "\n" else {
                throw TOMLSyntaxError(position: start, message: "unterminated string")
            }
            if scalar == "'" {
                advance()
                return String(content)
            }
            try checkStringCharacter(scalar)
            content.append(scalar)
            advance()
        }
    }

    func checkStringCharacter(_ scalar: Unicode.Scalar) throws(TOMLSyntaxError) {
        if scalar == "\r" { throw error("bare carriage return is not allowed") }
        if scalar.isTOMLForbiddenControl {
            throw error("invalid control character \(scalar.tomlCodePoint) in string")
        }
    }

    /// Decodes the escape sequence at the backslash.
    mutating func parseEscape(stringStart: SourcePosition) throws(TOMLSyntaxError) -> Unicode.Scalar {
        let escapeStart = position
        advance()
        guard let letter = peek() else {
            throw TOMLSyntaxError(position: stringStart, message: "unterminated string")
        }
        let simple: Unicode.Scalar? = switch letter {
        case "b": "\u{08}"
        case "t": "\t"
        case "n": "\n"
        case "f": "\u{0C}"
        case "r": "\r"
        case "\"": "\""
        case "\\": "\\"
        default: nil
        }
        if let simple {
            advance()
            return simple
        }
        if letter == "u" || letter == "U" {
            advance()
            return try parseUnicodeEscape(letter: letter, digitCount: letter == "u" ? 4 : 8, at: escapeStart)
        }
        if letter == "\n" || letter == "\r" {
            throw TOMLSyntaxError(position: escapeStart, message: "newline is not allowed in a basic string")
        }
        if letter.isTOMLForbiddenControl || letter == " " {
            throw TOMLSyntaxError(position: escapeStart, message: "invalid escape: '\\' followed by \(TOMLText.describe(letter))")
        }
        throw TOMLSyntaxError(position: escapeStart, message: "invalid escape '\\\(letter)'")
    }

    private mutating func parseUnicodeEscape(letter: Unicode.Scalar, digitCount: Int, at escapeStart: SourcePosition) throws(TOMLSyntaxError) -> Unicode.Scalar {
        var value: UInt32 = 0
        var digits = ""
        for _ in 0..<digitCount {
            guard let digit = peek(), let digitValue = digit.tomlHexDigitValue else {
                throw TOMLSyntaxError(position: escapeStart,
                                      message: "invalid unicode escape: '\\\(letter)' needs \(digitCount) hex digits")
            }
            value = value &<< 4 | digitValue
            digits.unicodeScalars.append(digit)
            advance()
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw TOMLSyntaxError(position: escapeStart,
                                  message: "escape '\\\(letter)\(digits)' is not a valid unicode scalar value")
        }
        return scalar
    }
}
