/// Device strings and child output may carry escape sequences and newlines:
/// shown to a person (terminal, log line), control characters become
/// visible `\xNN` escapes so one value stays one line and cannot drive the
/// terminal.
public enum Printable {
    public static func escaped(_ text: String, keepingTabs: Bool = false) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            let control = scalar.value < 0x20 || scalar.value == 0x7f || (0x80..<0xa0).contains(scalar.value)
            if control && !(keepingTabs && scalar == "\t") {
                result += "\\x" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
