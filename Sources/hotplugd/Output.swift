import Glibc
import HotplugLinux

/// Writes a line to stderr, for errors and notes that are not the output.
func printError(_ line: String) {
    var text = line
    text += "\n"
    StandardError.write(text)
}

/// Makes device strings safe to print on a terminal: control characters
/// (escape sequences, newlines) become visible escapes.
func printable(_ text: String) -> String {
    var result = ""
    for scalar in text.unicodeScalars {
        if scalar.value < 0x20 || scalar.value == 0x7f || (0x80..<0xa0).contains(scalar.value) {
            result += "\\x" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
        } else {
            result.unicodeScalars.append(scalar)
        }
    }
    return result
}
