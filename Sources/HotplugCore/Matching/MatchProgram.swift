/// The bindings' `[match]` rules compiled for the check every candidate of
/// an event gets: per binding, a run of checks, each one fact of the device
/// and a compiled pattern list. It answers as `Matcher.verdict` does (tests
/// compare them) without the explanation, and reads no reference-counted
/// rule per binding or pattern: the checks are plain values in arrays.
///
/// A binding's run starts with the checks its index lookup settles (the
/// subsystem, looked up exactly, and the key the binding is filed under
/// when that lookup is the key's whole test), so that a candidate the index
/// proposed is checked from after them.
struct MatchProgram: Sendable {
    enum Fact: Sendable {
        case subsystem, devtype, kernel, usbVendor, usbProduct, usbSerial, mac, path, tag, driver
        /// The name is `names[index]`.
        case property(Int), attribute(Int)
    }

    struct Check: Sendable {
        let fact: Fact
        let list: PatternPool.List
        /// ATTRS ignores a value's trailing whitespace unless a pattern ends in some.
        let trimsValue: Bool
    }

    private struct Run: Sendable {
        let checks: Range<Int>
        /// How many leading checks the index lookup settles.
        let settled: Int
    }

    private var pool = PatternPool()
    private var checks: [Check] = []
    private var runs: [Run] = []
    private var names: [String] = []

    init() {}

    /// A program of one binding, checked in full.
    init(_ rules: MatchRules) {
        append(rules, settledList: nil, subsystemSettled: false)
    }

    /// Adds the next binding. `settledList` is the list the index settles
    /// (identical, not just equal: a binding may repeat a key); when
    /// `subsystemSettled`, its subsystem is literal and settled too.
    mutating func append(_ rules: MatchRules, settledList: PatternList?, subsystemSettled: Bool) {
        var settled: [Check] = [], rest: [Check] = []
        for (fact, list) in keyedLists(rules) {
            let check = Check(fact: fact, list: pool.add(list), trimsValue: !list.endsInWhitespace)
            if list === settledList || (subsystemSettled && list === rules.subsystem) {
                settled.append(check)
            } else {
                rest.append(check)
            }
        }
        let start = checks.count
        checks += settled + rest
        runs.append(Run(checks: start..<checks.count, settled: settled.count))
    }

    /// The rules' keys, cheap ones first: the device's own fields and the
    /// event view, then dictionary lookups, then walks up the parent chain.
    /// Most candidates fail, and should fail early.
    private mutating func keyedLists(_ rules: MatchRules) -> [(Fact, PatternList)] {
        var lists: [(Fact, PatternList?)] = [
            (.subsystem, rules.subsystem), (.devtype, rules.devtype), (.kernel, rules.kernel),
            (.usbVendor, rules.usbVendor), (.usbProduct, rules.usbProduct), (.usbSerial, rules.usbSerial),
            (.mac, rules.mac), (.path, rules.path), (.tag, rules.tag),
        ]
        lists += rules.properties.map { (.property(name($0.key)), $0.patterns) }
        lists.append((.driver, rules.driver))
        lists += rules.attributes.map { (.attribute(name($0.key)), $0.patterns) }
        return lists.compactMap { fact, list in list.map { (fact, $0) } }
    }

    private mutating func name(_ name: String) -> Int {
        if let index = names.firstIndex(of: name) { return index }
        names.append(name)
        return names.count - 1
    }

    /// Whether binding `entry` (in the order appended) matches; from after
    /// its settled checks when the index proposed it.
    func passes(_ entry: Int, _ device: DeviceFacts, _ view: Matcher.EventView, skippingSettled: Bool) -> Bool {
        let run = runs[entry]
        let first = skippingSettled ? run.checks.lowerBound + run.settled : run.checks.lowerBound
        for index in first..<run.checks.upperBound where !passes(checks[index], device, view) { return false }
        return true
    }

    private func passes(_ check: Check, _ device: DeviceFacts, _ view: Matcher.EventView) -> Bool {
        switch check.fact {
        case .subsystem: return pool.matches(check.list, device.subsystem)
        case .devtype: return pool.matches(check.list, device.devtype ?? "")
        case .kernel: return pool.matches(check.list, device.sysname)
        case .usbVendor: return view.usb.map { pool.matches(check.list, $0.vendor) } ?? false
        case .usbProduct: return view.usb.map { pool.matches(check.list, $0.product) } ?? false
        case .usbSerial: return view.usb.map { pool.matches(check.list, $0.serial) } ?? false
        case .mac: return pool.matches(check.list, view.mac)
        case .path: return pool.matches(check.list, view.path)
        case .tag: return device.tags.isEmpty ? pool.matches(check.list, "") : pool.passesAny(check.list, device.tags)
        case .property(let name): return pool.matches(check.list, device.properties[names[name]] ?? "")
        case .driver: return driverPasses(check, device)
        case .attribute(let name): return attributePasses(check, names[name], device)
        }
    }

    /// As udev's DRIVERS: some driver along the chain passes; a chain
    /// without any driver is matched as "".
    private func driverPasses(_ check: Check, _ device: DeviceFacts) -> Bool {
        var sawDriver = false
        if let driver = device.driver {
            if pool.matches(check.list, driver) { return true }
            sawDriver = true
        }
        // Indexes rather than `for ancestor in`: reading fields in place
        // copies (and reference-counts) no whole AncestorFacts.
        for index in device.ancestors.indices {
            guard let driver = device.ancestors[index].driver else { continue }
            if pool.matches(check.list, driver) { return true }
            sawDriver = true
        }
        return !sawDriver && pool.matches(check.list, "")
    }

    /// As udev's ATTRS: some device of the chain has the attribute and its
    /// value passes; a chain without it fails, "" and negations included.
    private func attributePasses(_ check: Check, _ name: String, _ device: DeviceFacts) -> Bool {
        if let value = device.attributes[name], attributeValuePasses(check, value) { return true }
        // Most links of the chain carry no attributes; a lookup in an
        // empty dictionary would still hash the key.
        for index in device.ancestors.indices where !device.ancestors[index].attributes.isEmpty {
            if let value = device.ancestors[index].attributes[name], attributeValuePasses(check, value) { return true }
        }
        return false
    }

    private func attributeValuePasses(_ check: Check, _ value: String) -> Bool {
        pool.matches(check.list, check.trimsValue ? SysattrValue.trimmed(value) : value)
    }
}
