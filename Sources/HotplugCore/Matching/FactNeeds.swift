/// What the shell must read from sysfs for a device, beyond the event's own
/// properties: the parent chain (libudev walks and opens every parent) and
/// named sysfs attributes (a file each). Reading only what the bindings that
/// can match a device use keeps the event path short: a binding on
/// `subsystem` and `kernel` costs no sysfs reads at all.
public struct FactNeeds: Sendable, Equatable {
    /// Whether the parent chain is read (driver, usb-*, ATTRS-style keys).
    public var ancestors: Bool
    /// Whether drivers are read, of the device and of each ancestor read:
    /// for an event that does not carry DRIVER, each is a readlink in sysfs.
    public var driver: Bool
    /// The attributes read on the device and, with `ancestors`, its parents.
    public var attributeNames: Set<String>

    public init(ancestors: Bool = false, driver: Bool = false, attributeNames: Set<String> = []) {
        self.ancestors = ancestors
        self.driver = driver
        self.attributeNames = attributeNames
    }

    public static let nothing = FactNeeds()

    public mutating func formUnion(_ other: FactNeeds) {
        ancestors = ancestors || other.ancestors
        driver = driver || other.driver
        attributeNames.formUnion(other.attributeNames)
    }

    public static let usbAttributes: Set<String> = ["idVendor", "idProduct", "serial"]

    /// What one binding's `[match]` keys and `[exec]` placeholders read.
    public init(_ binding: Binding) {
        let match = binding.match
        self.init()
        if match.driver != nil {
            ancestors = true
            driver = true
        }
        if match.usbVendor != nil || match.usbProduct != nil || match.usbSerial != nil {
            ancestors = true
            attributeNames.formUnion(Self.usbAttributes)
        }
        if match.mac != nil { attributeNames.insert("address") }
        if !match.attributes.isEmpty {
            ancestors = true
            attributeNames.formUnion(match.attributes.map(\.key))
        }
        let templates = (binding.exec?.command ?? []) + (binding.exec?.environment.map(\.value) ?? [])
        for placeholder in templates.flatMap(\.placeholders) {
            switch placeholder {
            case .usbVendor, .usbProduct, .usbSerial:
                ancestors = true
                attributeNames.formUnion(Self.usbAttributes)
            case .attribute(let key):
                ancestors = true
                attributeNames.insert(key)
            default:
                break
            }
        }
    }
}
