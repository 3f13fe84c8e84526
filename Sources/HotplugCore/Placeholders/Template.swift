/// A string with `{placeholder}`s, parsed once at load time so an unknown
/// placeholder is a config error and expansion cannot fail or inject: each
/// template expands to exactly one string, never split into more arguments.
public struct Template: Sendable, Hashable, CustomStringConvertible {
    public enum Segment: Sendable, Hashable {
        case literal(String)
        case placeholder(Placeholder)
    }

    public let source: String
    public let segments: [Segment]

    public var description: String { source }

    public var placeholders: [Placeholder] {
        segments.compactMap { if case .placeholder(let p) = $0 { p } else { nil } }
    }

    public struct ParseError: Error, Sendable, Equatable {
        /// Offset in Unicode scalars from the start of the string.
        public var offset: Int
        public var message: String
    }

    public init(parsing source: String, allowIndex: Bool = false) throws(ParseError) {
        self.source = source
        let scalars = Array(source.unicodeScalars)
        var segments: [Segment] = []
        var literal = String.UnicodeScalarView()
        var index = 0
        func flush() {
            if !literal.isEmpty { segments.append(.literal(String(literal))); literal = .init() }
        }
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "{", index + 1 < scalars.count, scalars[index + 1] == "{" {
                literal.append("{"); index += 2; continue
            }
            if scalar == "}", index + 1 < scalars.count, scalars[index + 1] == "}" {
                literal.append("}"); index += 2; continue
            }
            if scalar == "}" {
                throw ParseError(offset: index, message: "unmatched '}' (write '}}' for a literal brace)")
            }
            guard scalar == "{" else { literal.append(scalar); index += 1; continue }
            guard let close = scalars[index...].firstIndex(of: "}") else {
                throw ParseError(offset: index, message: "unterminated placeholder (write '{{' for a literal brace)")
            }
            let name = String(String.UnicodeScalarView(scalars[(index + 1)..<close]))
            guard let placeholder = Placeholder(name: name) else {
                throw ParseError(offset: index, message: Placeholder.unknownMessage(name))
            }
            if placeholder == .index && !allowIndex {
                throw ParseError(offset: index, message: "{n} is only valid in [link] name")
            }
            flush()
            segments.append(.placeholder(placeholder))
            index = close + 1
        }
        flush()
        self.segments = segments
    }

    /// Expands with `lookup`; a placeholder with no value becomes "".
    public func expand(_ lookup: (Placeholder) -> String?) -> String {
        var result = ""
        for segment in segments {
            switch segment {
            case .literal(let text): result += text
            case .placeholder(let placeholder): result += lookup(placeholder) ?? ""
            }
        }
        return result
    }
}

public enum Placeholder: Sendable, Hashable, CustomStringConvertible {
    case interface, devnode, devpath, syspath, sysname, subsystem, binding
    case usbVendor, usbProduct, usbSerial
    /// `{instance}`: which of the binding's `instances` children, 0 to N-1.
    case instance
    case property(String)
    case attribute(String)
    /// `{n}`: the lowest free index, in `[link] name` only.
    case index

    static let simpleNames: [(String, Placeholder)] = [
        ("interface", .interface), ("devnode", .devnode), ("devpath", .devpath), ("syspath", .syspath),
        ("sysname", .sysname), ("subsystem", .subsystem), ("binding", .binding),
        ("usb-vendor", .usbVendor), ("usb-product", .usbProduct), ("usb-serial", .usbSerial), ("instance", .instance), ("n", .index),
    ]

    public init?(name: String) {
        if let match = Self.simpleNames.first(where: { $0.0 == name }) {
            self = match.1
        } else if name.hasPrefix("property:"), Self.isValidKey(name.dropFirst(9)) {
            self = .property(String(name.dropFirst(9)))
        } else if name.hasPrefix("attribute:"), Self.isValidAttributePath(name.dropFirst(10)) {
            self = .attribute(String(name.dropFirst(10)))
        } else {
            return nil
        }
    }

    static func unknownMessage(_ name: String) -> String {
        if name.hasPrefix("property:") { return "invalid property name in placeholder '{\(name)}'" }
        if name.hasPrefix("attribute:") { return "invalid attribute name in placeholder '{\(name)}'" }
        var message = "unknown placeholder '{\(name)}'"
        let known = simpleNames.map(\.0) + ["property:KEY", "attribute:KEY"]
        if let suggestion = Suggestion.closest(to: name, among: known) {
            message += "; did you mean '{\(suggestion)}'?"
        }
        return message
    }

    static func isValidKey(_ key: Substring) -> Bool {
        // Bytes, not Unicode properties: every udev property name of every
        // spawned child's environment passes through here.
        !key.isEmpty && key.utf8.count <= 256 && key.utf8.allSatisfy(ASCIIByte.isKeyCharacter)
    }

    /// sysfs attribute names, optionally one subdirectory deep (`power/control`);
    /// never `..`, so a placeholder cannot read outside the device's directory.
    static func isValidAttributePath(_ path: Substring) -> Bool {
        guard !path.isEmpty, path.utf8.count <= 256 else { return false }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count <= 2 && parts.allSatisfy { part in
            !part.isEmpty && part != "." && part != ".."
                && part.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 32 && $0 != "/" }
        }
    }

    public var description: String {
        switch self {
        case .property(let key): "{property:\(key)}"
        case .attribute(let key): "{attribute:\(key)}"
        default: "{" + (Self.simpleNames.first { $0.1 == self }?.0 ?? "?") + "}"
        }
    }
}
