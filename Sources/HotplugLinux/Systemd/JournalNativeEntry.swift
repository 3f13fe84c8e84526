/// One journal entry in journald's native protocol
/// (systemd.io/JOURNAL_NATIVE_PROTOCOL): each `NAME=value` field on a line
/// of its own, except that a value with a newline goes as `NAME`, a newline,
/// its length as a little-endian 64-bit number, the value and a newline.
/// The same bytes sd_journal_sendv(3) writes for the same fields.
enum JournalNativeEntry {
    static func encode(_ fields: [String]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(fields.reduce(0) { $0 + $1.utf8.count + 1 })
        for field in fields {
            let utf8 = field.utf8
            guard utf8.contains(UInt8(ascii: "\n")), let equals = utf8.firstIndex(of: UInt8(ascii: "=")) else {
                bytes.append(contentsOf: utf8)
                bytes.append(UInt8(ascii: "\n"))
                continue
            }
            // Names are of A-Z, 0-9 and _ (JournalLogHandler makes them
            // so): the first "=" ends the name, whatever the value holds.
            let value = utf8[utf8.index(after: equals)...]
            bytes.append(contentsOf: utf8[..<equals])
            bytes.append(UInt8(ascii: "\n"))
            withUnsafeBytes(of: UInt64(value.count).littleEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: value)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }
}
