/// Validation of network interface names, so that configuration errors are
/// reported when the config is loaded rather than as an EINVAL from the kernel
/// when a device is plugged in.
public enum InterfaceName {
    /// IFNAMSIZ (16) minus the terminating NUL.
    public static let maximumLength = 15

    /// Returns nil when `name` is usable as an interface name, otherwise a
    /// sentence explaining why not.
    ///
    /// Follows the kernel's `dev_valid_name()` (non-empty, at most 15 bytes,
    /// not "." or "..", no '/', ':' or whitespace) and is stricter in three
    /// ways: control characters and non-ASCII are refused (the kernel accepts
    /// them, but they make names that tools and logs mangle), and '%' is
    /// refused because the kernel treats a name containing it as a template
    /// ("eth%d") and picks a different name than the one configured.
    public static func validate(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        if bytes.isEmpty {
            return "interface name is empty"
        }
        let quoted = quote(bytes)
        if name == "." || name == ".." {
            return "interface name \(quoted) is reserved"
        }
        if bytes.count > maximumLength {
            return "interface name \(quoted) is longer than \(maximumLength) bytes"
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "/"):
                return "interface name \(quoted) contains '/'"
            case UInt8(ascii: ":"):
                return "interface name \(quoted) contains ':'"
            case UInt8(ascii: "%"):
                return "interface name \(quoted) contains '%', which the kernel treats as a name template"
            case UInt8(ascii: " "), 0x09...0x0D:
                return "interface name \(quoted) contains whitespace"
            case 0x00...0x1F, 0x7F:
                return "interface name \(quoted) contains a control character"
            case 0x80...:
                return "interface name \(quoted) contains non-ASCII characters"
            default:
                continue
            }
        }
        return nil
    }

    /// Quotes a name for an error message, escaping anything unprintable so a
    /// hostile or broken name cannot inject control sequences into logs.
    private static func quote(_ bytes: [UInt8]) -> String {
        var text = "'"
        for byte in bytes {
            if byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "'"), byte != UInt8(ascii: "\\") {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16)
                text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return text + "'"
    }
}
