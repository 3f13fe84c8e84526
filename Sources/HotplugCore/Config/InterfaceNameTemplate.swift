/// `[link] name`: a fixed interface name or one with a single `{n}`, the
/// lowest index not taken.
public struct InterfaceNameTemplate: Sendable, Hashable, CustomStringConvertible {
    public let prefix: String
    public let suffix: String
    public let hasIndex: Bool

    public var description: String { hasIndex ? prefix + "{n}" + suffix : prefix }

    /// Names the kernel hands out itself; taking them races the kernel's own
    /// numbering of the next device.
    static let kernelNamespaces = ["eth", "usb", "wlan"]

    /// Index values tried when allocating `{n}`.
    public static let maximumIndex = 9999

    public init(parsing text: String) throws(Template.ParseError) {
        let template = try Template(parsing: text, allowIndex: true)
        var prefix = "", suffix = "", seenIndex = false
        for segment in template.segments {
            switch segment {
            case .literal(let literal):
                if seenIndex { suffix += literal } else { prefix += literal }
            case .placeholder(.index) where !seenIndex:
                seenIndex = true
            case .placeholder(let other):
                throw Template.ParseError(offset: 0, message: other == .index
                    ? "{n} may appear only once in [link] name"
                    : "only {n} is allowed in [link] name, not \(other)")
            }
        }
        self.prefix = prefix
        self.suffix = suffix
        self.hasIndex = seenIndex
        let longest = name(index: seenIndex ? Self.maximumIndex : 0)
        if let reason = InterfaceName.validate(longest) {
            throw Template.ParseError(offset: 0, message: seenIndex ? "\(reason) (with {n} = \(Self.maximumIndex))" : reason)
        }
        if Self.isKernelName(name(index: 0)) {
            throw Template.ParseError(offset: 0, message: "'\(text)' is in the kernel's own namespace (eth, usb, wlan + digits); pick a name the kernel will not hand out")
        }
    }

    public func name(index: Int) -> String {
        hasIndex ? prefix + String(index) + suffix : prefix
    }

    static func isKernelName(_ name: String) -> Bool {
        kernelNamespaces.contains { space in
            name.hasPrefix(space) && name.count > space.count
                && name.dropFirst(space.count).allSatisfy { $0.isASCII && $0.isNumber }
        }
    }

    /// The lowest `{n}` whose name is not in `taken`; nil when all are.
    public func firstFreeName(taken: Set<String>) -> String? {
        guard hasIndex else { return taken.contains(prefix) ? nil : prefix }
        for index in 0...Self.maximumIndex where !taken.contains(name(index: index)) {
            return name(index: index)
        }
        return nil
    }
}
