/// A child's output line begun and not yet ended (no "\n" read yet), as
/// the shell's line splitter holds it: handed to the next image on a
/// re-exec, so the line is logged whole once it ends instead of losing its
/// head with the old image's memory.
public struct PartialLine: Sendable, Equatable {
    /// Raw bytes, not necessarily UTF-8 (a character may be cut between reads).
    public var bytes: [UInt8]
    /// The line was already logged cut (over the length limit); the rest of
    /// it, up to its "\n", is being skipped.
    public var cut: Bool

    public init(bytes: [UInt8], cut: Bool) {
        self.bytes = bytes
        self.cut = cut
    }

    /// More than the splitter ever keeps (one line of 8 KiB and a byte).
    static let maximumBytes = 64 * 1024

    /// Hex, since JSON strings are text and the bytes need not be.
    var reexecJSON: JSONValue {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xf)])
        }
        return .object([("hex", .string(String(decoding: text, as: UTF8.self))), ("cut", .bool(cut))])
    }

    init(reexec reader: ReexecReader) throws(ReexecStateError) {
        let hex = Array(try reader.field("hex").string().utf8)
        guard hex.count % 2 == 0, hex.count <= Self.maximumBytes * 2 else {
            throw ReexecStateError("\(reader.path).hex is not an even run of at most \(Self.maximumBytes * 2) hex digits")
        }
        func nibble(_ digit: UInt8) throws(ReexecStateError) -> UInt8 {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
            default: throw ReexecStateError("\(reader.path).hex has a character that is not a lower-case hex digit")
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var index = 0
        while index < hex.count {
            bytes.append(try nibble(hex[index]) << 4 | nibble(hex[index + 1]))
            index += 2
        }
        self.init(bytes: bytes, cut: try reader.field("cut").bool())
    }
}
