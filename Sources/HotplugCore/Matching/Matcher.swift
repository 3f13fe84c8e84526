/// Why a binding does or does not match a device: the first key that failed
/// and the value it saw, so `hotplugd test` can explain itself.
public struct MatchVerdict: Sendable, Equatable {
    public var matched: Bool
    /// The key that failed (`usb-vendor`, `property.ID_BUS`, ...), when one did.
    public var failedKey: String?
    public var wanted: String?
    /// What the device had; nil when it had nothing for that key.
    public var saw: String?
    /// When `saw` is nil and lacking the fact is itself why the key failed
    /// (a sysfs attribute that no device of the chain has): what is missing.
    public var missing: String?

    public static let match = MatchVerdict(matched: true)

    public init(matched: Bool, failedKey: String? = nil, wanted: String? = nil, saw: String? = nil, missing: String? = nil) {
        self.matched = matched
        self.failedKey = failedKey
        self.wanted = wanted
        self.saw = saw
        self.missing = missing
    }

    public var explanation: String {
        guard !matched, let failedKey else { return "matches" }
        if saw == nil, let missing { return "\(failedKey): wanted \(wanted ?? "?"), but \(missing)" }
        return "\(failedKey): wanted \(wanted ?? "?"), saw \(saw.map { "\"\($0)\"" } ?? "nothing")"
    }
}

/// Matches device facts against `[match]`, with udev's semantics: `driver`
/// and `[match.attribute]` pass if any device in the parent chain passes
/// (DRIVERS, ATTRS); `usb-*` read the nearest usb_device in the chain.
public enum Matcher {
    /// The same answer as `verdict(_:_:).matched`, without the explanation:
    /// the compiled check `MatchTable` runs per event, here for one binding.
    public static func matches(_ rules: MatchRules, _ device: DeviceFacts) -> Bool {
        MatchProgram(rules).passes(0, device, EventView(device), skippingSettled: false)
    }

    public static func verdict(_ rules: MatchRules, _ device: DeviceFacts) -> MatchVerdict {
        func check(_ key: String, _ list: PatternList?, _ value: String?) -> MatchVerdict? {
            guard let list else { return nil }
            if list.matches(value ?? "") { return nil }
            return MatchVerdict(matched: false, failedKey: key, wanted: list.description, saw: value)
        }
        if let failure = check("subsystem", rules.subsystem, device.subsystem) { return failure }
        if let failure = check("devtype", rules.devtype, device.devtype) { return failure }
        if let failure = check("kernel", rules.kernel, device.sysname) { return failure }
        if let list = rules.driver {
            let drivers = device.chain.compactMap(\.driver)
            if !drivers.contains(where: list.matches) && !(drivers.isEmpty && list.matches("")) {
                return MatchVerdict(matched: false, failedKey: "driver", wanted: list.description,
                                    saw: drivers.isEmpty ? nil : drivers.joined(separator: ", "))
            }
        }
        if rules.usbVendor != nil || rules.usbProduct != nil || rules.usbSerial != nil {
            let usb = device.nearestUSBDevice
            for (key, list, attribute) in [("usb-vendor", rules.usbVendor, "idVendor"),
                                           ("usb-product", rules.usbProduct, "idProduct"),
                                           ("usb-serial", rules.usbSerial, "serial")] {
                guard let list else { continue }
                guard let usb else {
                    return MatchVerdict(matched: false, failedKey: key, wanted: list.description, saw: "no USB device among the ancestors")
                }
                if let failure = check(key, list, usb.attributes[attribute]) { return failure }
            }
        }
        if let failure = check("mac", rules.mac, device.attributes["address"]) { return failure }
        if let failure = check("path", rules.path, device.properties["ID_PATH"]) { return failure }
        if let list = rules.tag {
            let tags = device.tags.sorted()
            let passes = tags.isEmpty ? list.matches("") : passesAny(list, tags)
            if !passes {
                return MatchVerdict(matched: false, failedKey: "tag", wanted: list.description,
                                    saw: tags.isEmpty ? nil : tags.joined(separator: ", "))
            }
        }
        for property in rules.properties {
            if let failure = check("property.\(property.key)", property.patterns, device.properties[property.key]) {
                return failure
            }
        }
        for attribute in rules.attributes {
            let values = device.chain.compactMap { $0.attributes[attribute.key] }
            if !values.contains(where: { sysattrMatches(attribute.patterns, $0) }) {
                // As udev's ATTRS{}: an attribute no device of the chain has
                // fails every pattern, "" and negations included.
                return MatchVerdict(matched: false, failedKey: "attribute.\(attribute.key)",
                                    wanted: attribute.patterns.description,
                                    saw: values.isEmpty ? nil : values.joined(separator: ", "),
                                    missing: "neither the device nor a parent has the attribute, and a missing attribute never matches (as udev's ATTRS{})")
            }
        }
        return .match
    }

    /// As udev's ATTRS: trailing whitespace of a sysfs value is ignored
    /// unless the pattern itself ends in whitespace (padded USB strings).
    static func sysattrMatches(_ list: PatternList, _ value: String) -> Bool {
        list.matches(list.endsInWhitespace ? value : SysattrValue.trimmed(value))
    }

    /// For multi-valued facts (tags): positives need one value to match;
    /// a negation fails if any value matches it.
    static func passesAny(_ list: PatternList, _ values: some Sequence<String>) -> Bool {
        let positives = list.positives, negatives = list.negatives
        if !positives.isEmpty, !values.contains(where: { value in positives.contains { $0.matches(value) } }) { return false }
        return !values.contains { value in negatives.contains { $0.matches(value) } }
    }
}
