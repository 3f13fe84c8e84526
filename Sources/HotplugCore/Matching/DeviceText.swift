/// Device strings (devpaths, interface names) arrive as bytes: the kernel
/// takes any bytes but `/`, NUL and whitespace in an interface name. Shown
/// to a person they become text with each byte that is not valid UTF-8 as a
/// visible `\xNN` escape, never U+FFFD: two names that differ only in such
/// bytes stay two names. Identity is kept on the bytes (`DeviceIdentity`),
/// since the escaped text of `\xff` (one byte) equals that of the four
/// characters `\xff`.
public enum DeviceText {
    /// The text, and the bytes themselves when they are not valid UTF-8
    /// (nil otherwise: the text's UTF-8 is then the bytes).
    public static func decode<Bytes: Collection>(_ bytes: Bytes) -> (text: String, raw: [UInt8]?)
    where Bytes.Element == UInt8 {
        if let text = String(validating: bytes, as: UTF8.self) { return (text, nil) }
        return (escaped(bytes), Array(bytes))
    }

    /// Valid UTF-8 sequences as they are, every other byte as `\xNN`.
    public static func escaped<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let all = Array(bytes)
        var result = ""
        var position = 0
        while position < all.count {
            let length = sequenceLength(all, at: position)
            if length > 0 {
                result += String(decoding: all[position..<(position + length)], as: UTF8.self)
                position += length
            } else {
                result += hex(all[position])
                position += 1
            }
        }
        return result
    }

    /// The length of the valid UTF-8 sequence starting there; 0 if none
    /// does. The lead byte fixes the length, so at most one of 1...4 fits.
    private static func sequenceLength(_ bytes: [UInt8], at start: Int) -> Int {
        for length in 1...4 where start + length <= bytes.count {
            if String(validating: bytes[start..<(start + length)], as: UTF8.self) != nil { return length }
        }
        return 0
    }

    private static func hex(_ byte: UInt8) -> String {
        "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
    }
}
