/// Whitespace, newlines and comments: the parts of a document that carry no data.
extension TOMLCursor {
    mutating func skipWhitespace() {
        while let scalar = peek(), scalar == " " || scalar == "\t" { advance() }
    }

    var isAtNewline: Bool { peek() == "\n" || peek() == "\r" }

    /// Consumes "\n" or "\r\n" and tells whether there was one.
    mutating func consumeNewline() throws(TOMLSyntaxError) -> Bool {
        switch peek() {
        case "\n":
            advance()
            return true
        case "\r":
            guard peek(1) == "\n" else { throw error("bare carriage return is not allowed") }
            advance(by: 2)
            return true
        default:
            return false
        }
    }

    /// Skips a comment if one starts here, stopping before the newline.
    mutating func skipComment() throws(TOMLSyntaxError) {
        guard peek() == "#" else { return }
        advance()
        while let scalar = peek(), scalar != "\n" {
            if scalar == "\r" {
                if peek(1) == "\n" { return }
                throw error("bare carriage return is not allowed")
            }
            if scalar.isTOMLForbiddenControl {
                throw error("invalid control character \(scalar.tomlCodePoint) in comment")
            }
            advance()
        }
    }

    /// Everything that may separate array elements.
    mutating func skipWhitespaceCommentsAndNewlines() throws(TOMLSyntaxError) {
        while true {
            skipWhitespace()
            try skipComment()
            if try !consumeNewline() { return }
        }
    }

    /// After a key-value pair or header only a comment may follow on the line.
    mutating func expectLineEnd(after subject: String) throws(TOMLSyntaxError) {
        skipWhitespace()
        try skipComment()
        if isAtEnd { return }
        if try consumeNewline() { return }
        throw error("expected a newline after \(subject), found \(TOMLText.describe(peek()))")
    }
}
