/// A fact of a device that a `[match]` key reads, as compiled matching
/// refers to it: a plain value, the name of a property or attribute being
/// an index into the `FactNames` kept alongside, so that walking compiled
/// checks and index lookups per event copies no String.
enum Fact: Sendable, Hashable {
    case subsystem, devtype, kernel, usbVendor, usbProduct, usbSerial, mac, path, tag, driver
    case property(Int), attribute(Int)
}

/// The property and attribute names that `Fact`s refer to.
struct FactNames: Sendable {
    private var names: [String] = []

    subscript(index: Int) -> String { names[index] }

    /// The index of `name`, added if new.
    mutating func index(of name: String) -> Int {
        if let index = names.firstIndex(of: name) { return index }
        names.append(name)
        return names.count - 1
    }
}
