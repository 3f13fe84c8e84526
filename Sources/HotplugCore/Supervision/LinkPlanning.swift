/// Picks the name a `[link] name` template gives a device.
public enum LinkPlanning {
    /// The device's current name when it already fits the template (so a
    /// configured device is left alone), else the first free one; nil when
    /// every name the template can make is taken.
    public static func targetName(_ template: InterfaceNameTemplate, current: String, taken: Set<String>) -> String? {
        if template.accepts(current) { return current }
        return template.firstFreeName(taken: taken.subtracting([current]))
    }
}

extension InterfaceNameTemplate {
    /// Whether `name` is one this template makes.
    public func accepts(_ name: String) -> Bool {
        guard hasIndex else { return name == prefix }
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else { return false }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let index = Int(digits),
              index <= Self.maximumIndex else { return false }
        return String(index) == digits
    }
}
