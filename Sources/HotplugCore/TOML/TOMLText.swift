/// Character classes of the TOML grammar.
extension Unicode.Scalar {
    var isTOMLBareKeyCharacter: Bool {
        isTOMLLetter || isTOMLDigit || self == "_" || self == "-"
    }

    var isTOMLLetter: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self)
    }

    var isTOMLDigit: Bool { ("0"..."9").contains(self) }

    var tomlDigitValue: Int? {
        isTOMLDigit ? Int(value - 0x30) : nil
    }

    var tomlHexDigitValue: UInt32? {
        switch value {
        case 0x30...0x39: value - 0x30
        case 0x41...0x46: value - 0x41 + 10
        case 0x61...0x66: value - 0x61 + 10
        default: nil
        }
    }

    /// TOML forbids these in strings and comments; tab is the one control
    /// character allowed. Newlines are handled before this is asked.
    var isTOMLForbiddenControl: Bool {
        (value < 0x20 && self != "\t") || value == 0x7F
    }

    /// "U+0007"
    var tomlCodePoint: String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

/// Renders document text for error messages.
enum TOMLText {
    /// Longest piece of input quoted in a message; hostile input can be huge.
    static let quoteLimit = 80

    /// "'x'", "U+0007" for invisible characters, "end of file".
    static func describe(_ scalar: Unicode.Scalar?) -> String {
        guard let scalar else { return "end of file" }
        if scalar == "\n" || scalar == "\r" { return "end of line" }
        if isInvisible(scalar) { return scalar.tomlCodePoint }
        if scalar == "'" { return "\"'\"" }
        return "'\(scalar)'"
    }

    /// A key path as it could be written in TOML: bare parts as they are,
    /// others quoted.
    static func render<Parts: Collection>(_ parts: Parts) -> String where Parts.Element == TOMLKeyPart {
        abbreviate(parts.map { renderPart($0.name) }.joined(separator: "."))
    }

    static func abbreviate(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard scalars.count > quoteLimit else { return text }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars.prefix(quoteLimit))
        return String(view) + "..."
    }

    private static func renderPart(_ name: String) -> String {
        if !name.isEmpty, name.unicodeScalars.allSatisfy(\.isTOMLBareKeyCharacter) { return name }
        var quoted = "\""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case _ where isInvisible(scalar): quoted += "\\u" + scalar.tomlCodePoint.dropFirst(2)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    private static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{FEFF}"
            || (0xD800...0xDFFF).contains(scalar.value)
    }
}
