/// How udev's ATTRS{} reads a sysfs value: trailing whitespace (its
/// WHITESPACE set, " \t\n\r") is removed before matching, unless the pattern
/// itself ends in whitespace, as padded USB strings sometimes need.
enum SysattrValue {
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    static func endsInWhitespace(_ text: String) -> Bool {
        // The bytes in place: the UTF-8 view's generic `last` steps an index back.
        text.withUTF8Bytes { $0.last.map(isWhitespace) ?? false }
    }

    /// The value without trailing whitespace; the same string, uncopied,
    /// when it has none (the usual case).
    static func trimmed(_ value: String) -> String {
        guard endsInWhitespace(value) else { return value }
        var bytes = value.utf8[...]
        while let last = bytes.last, isWhitespace(last) { bytes = bytes.dropLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
