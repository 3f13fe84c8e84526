/// The byte classes of the names that must be plain ASCII: udev property
/// names (environment names, placeholders), binding names and the chain
/// names made of them. Tested on UTF-8 bytes, which is cheap on the event
/// path and exact: every byte of a multi-byte character is above 0x7f, so
/// it falls in no class.
enum ASCIIByte {
    static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        // Setting 0x20 folds 'A'...'Z' onto 'a'...'z' and maps no other byte there.
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
    }

    /// Letters, digits and '_': a property or environment name.
    static func isKeyCharacter(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_")
    }

    /// Letters, digits, '_', '.' and '-': a binding name, and a chain name nft takes.
    static func isNameCharacter(_ byte: UInt8) -> Bool {
        isKeyCharacter(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
    }

    /// The scalar version, for code that walks scalars.
    static func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && isNameCharacter(UInt8(scalar.value))
    }
}
