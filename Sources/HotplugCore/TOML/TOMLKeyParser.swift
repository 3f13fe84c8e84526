/// One part of a dotted key, with where it was written.
struct TOMLKeyPart: Sendable, Equatable {
    var name: String
    var position: SourcePosition
}

/// A key such as `a."b".c`: the tables to walk through, then the key itself.
struct TOMLDottedKey: Sendable, Equatable {
    var parents: [TOMLKeyPart]
    var last: TOMLKeyPart

    var parts: [TOMLKeyPart] { parents + [last] }
}

extension TOMLCursor {
    mutating func parseKey() throws(TOMLSyntaxError) -> TOMLDottedKey {
        var key = TOMLDottedKey(parents: [], last: try parseSimpleKey())
        while true {
            skipWhitespace()
            guard peek() == "." else { return key }
            advance()
            skipWhitespace()
            let next = try parseSimpleKey()
            key.parents.append(key.last)
            key.last = next
        }
    }

    private mutating func parseSimpleKey() throws(TOMLSyntaxError) -> TOMLKeyPart {
        let start = position
        switch peek() {
        case "\"":
            if peek(1) == "\"" && peek(2) == "\"" { throw error("multi-line strings are not allowed as keys") }
            return TOMLKeyPart(name: try parseBasicString(), position: start)
        case "'":
            if peek(1) == "'" && peek(2) == "'" { throw error("multi-line strings are not allowed as keys") }
            return TOMLKeyPart(name: try parseLiteralString(), position: start)
        case let scalar? where scalar.isTOMLBareKeyCharacter:
            var name = String.UnicodeScalarView()
            while let scalar = peek(), scalar.isTOMLBareKeyCharacter {
                name.append(scalar)
                advance()
            }
            if let next = peek(), !Self.endsBareKey(next) {
                throw error("invalid character \(TOMLText.describe(next)) in bare key")
            }
            return TOMLKeyPart(name: String(name), position: start)
        case let scalar? where !Self.endsBareKey(scalar):
            throw error("invalid character \(TOMLText.describe(scalar)) in bare key")
        default:
            throw error("expected a key")
        }
    }

    /// Characters that may legitimately follow a bare key; anything else
    /// glued to it is reported as part of the key.
    private static func endsBareKey(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "=", ".", "[", "]", "{", "}", ",", "#", "\n", "\r": true
        default: false
        }
    }
}
