/// A binding that udev rules cannot express exactly. `hotplugd rules`
/// refuses it rather than print a rule that tags (or names) other devices
/// than the binding matches.
public struct UdevRulesError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The binding's file, as in every other diagnostic.
    public var file: String
    public var binding: String
    /// The key that cannot be expressed: `[match] usb-serial`, `[link] name`.
    public var key: String
    public var message: String

    public init(file: String, binding: String, key: String, message: String) {
        self.file = file
        self.binding = binding
        self.key = key
        self.message = message
    }

    public var description: String { "\(file): \(key): \(message)" }
}

/// Every binding problem of one run, so a user fixes them all at once.
public struct UdevRulesErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var errors: [UdevRulesError]

    public init(_ errors: [UdevRulesError]) { self.errors = errors }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
