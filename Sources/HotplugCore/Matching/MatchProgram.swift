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
///
/// A class of constants, built by `Builder`: a struct held by the table
/// was copied, its arrays retained, whenever it was read.
final class MatchProgram: Sendable {
    struct Check: Sendable {
        let fact: Fact
        let list: PatternPool.List
        /// ATTRS ignores a value's trailing whitespace unless a pattern ends in some.
        let trimsValue: Bool
    }

    struct Run: Sendable {
        let checks: Range<Int>
        /// How many leading checks the index lookup settles.
        let settled: Int
    }

    private let pool: PatternPool
    private let checks: [Check]
    private let runs: [Run]
    private let names: FactNames

    init(_ builder: Builder) {
        pool = builder.pool
        checks = builder.checks
        runs = builder.runs
        names = builder.names
    }

    /// A program of one binding, checked in full.
    convenience init(_ rules: MatchRules) {
        var builder = Builder()
        builder.append(rules, settledList: nil, subsystemSettled: false)
        self.init(builder)
    }

    /// Whether binding `entry` (in the order appended) matches; from after
    /// its settled checks when the index proposed it.
    @inline(never)
    func passes(_ entry: Int, _ device: borrowing DeviceFacts, _ view: borrowing Matcher.EventView, skippingSettled: Bool) -> Bool {
        let run = runs[entry]
        let first = skippingSettled ? run.checks.lowerBound + run.settled : run.checks.lowerBound
        for index in first..<run.checks.upperBound where !passes(checks[index], device, view) { return false }
        return true
    }

    private func passes(_ check: Check, _ device: borrowing DeviceFacts, _ view: borrowing Matcher.EventView) -> Bool {
        switch check.fact {
        case .subsystem: return pool.matches(check.list, device.subsystem)
        case .devtype: return pool.matches(check.list, device.devtype ?? "")
        case .kernel: return pool.matches(check.list, device.sysname)
        case .usbVendor: return view.hasUSBDevice && pool.matches(check.list, view.usbVendor)
        case .usbProduct: return view.hasUSBDevice && pool.matches(check.list, view.usbProduct)
        case .usbSerial: return view.hasUSBDevice && pool.matches(check.list, view.usbSerial)
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
    private func driverPasses(_ check: Check, _ device: borrowing DeviceFacts) -> Bool {
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
    private func attributePasses(_ check: Check, _ name: String, _ device: borrowing DeviceFacts) -> Bool {
        if let value = device.attributes.value(for: name), attributeValuePasses(check, value) { return true }
        // Most links of the chain carry no attributes; a lookup in an
        // empty dictionary would still hash the key.
        for index in device.ancestors.indices where !device.ancestors[index].attributes.isEmpty {
            if let value = device.ancestors[index].attributes.value(for: name), attributeValuePasses(check, value) { return true }
        }
        return false
    }

    private func attributeValuePasses(_ check: Check, _ value: String) -> Bool {
        pool.matches(check.list, check.trimsValue ? SysattrValue.trimmed(value) : value)
    }
}
