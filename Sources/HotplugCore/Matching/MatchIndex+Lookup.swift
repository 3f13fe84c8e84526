/// What the index does per event: find the device's bucket, read the
/// values of the keys bindings are filed under, and mark what they find.
extension MatchIndex {
    /// The position of the bucket of bindings that name this subsystem literally.
    func bucket(for subsystem: String) -> Int? {
        var found: Int?
        subsystem.withUTF8Bytes { bytes in storage.tables.forEachIndex(in: bucketBySubsystem, filedUnder: bytes) { found = $0 } }
        return found
    }

    /// Whether some binding's subsystem is a glob or a negation.
    var hasUnfiledSubsystems: Bool { !everySubsystem.isEmpty }

    /// What the event view must hold for the candidates of a device whose
    /// subsystem has this bucket.
    func viewParts(for bucket: Int?) -> Matcher.EventView.Parts {
        (bucket.map { buckets[$0].viewParts } ?? []).union(everySubsystem.viewParts)
    }

    /// The indexes of the entries that might match, ascending, without repeats.
    func candidates(_ device: DeviceFacts, _ view: Matcher.EventView) -> [Int] {
        var found = CandidateSet(capacity: capacity)
        collect(in: bucket(for: device.subsystem), device, view, into: &found)
        return found.map { $0 }
    }

    /// Marks the entries that might match.
    @inline(never)
    func collect(in bucket: Int?, _ device: borrowing DeviceFacts, _ view: borrowing Matcher.EventView,
                 into found: inout CandidateSet) {
        if let bucket { collect(buckets[bucket], device, view, into: &found) }
        collect(everySubsystem, device, view, into: &found)
    }

    private func collect(_ bucket: Bucket, _ device: borrowing DeviceFacts, _ view: borrowing Matcher.EventView,
                         into found: inout CandidateSet) {
        for position in bucket.scanned { found.insert(storage.scanned[position]) }
        for position in bucket.lookups {
            let lookup = storage.lookups[position]
            MatchIndex.forEachValue(of: lookup.fact, device, view, storage.names) { mark(lookup, $0, into: &found) }
        }
    }

    @inline(__always)
    private func mark(_ lookup: Lookup, _ value: String, into found: inout CandidateSet) {
        value.withUTF8Bytes { value in
            storage.tables.forEachIndex(in: lookup.exact, filedUnder: value) { found.insert($0) }
            for position in lookup.prefixed {
                let prefix = storage.prefixTables[position]
                guard value.count >= prefix.length else { break }
                storage.tables.forEachIndex(in: prefix.table, filedUnder: UnsafeBufferPointer(rebasing: value[..<prefix.length])) {
                    found.insert($0)
                }
            }
        }
    }

    /// The device's values for a key, as `MatchProgram` reads them.
    @inline(__always)
    static func forEachValue(of fact: Fact, _ device: borrowing DeviceFacts, _ view: borrowing Matcher.EventView, _ names: FactNames,
                             _ body: (String) -> Void) {
        switch fact {
        case .usbVendor: if view.hasUSBDevice { body(view.usbVendor) }
        case .usbProduct: if view.hasUSBDevice { body(view.usbProduct) }
        case .usbSerial: if view.hasUSBDevice { body(view.usbSerial) }
        case .path: body(view.path)
        case .mac: body(view.mac)
        case .property(let name): body(device.properties[names[name]] ?? "")
        case .kernel: body(device.sysname)
        case .devtype: body(device.devtype ?? "")
        case .attribute(let name):
            if let value = device.attributes.value(for: names[name]) { body(SysattrValue.trimmed(value)) }
            // Most links of the chain carry no attributes; a lookup in an
            // empty dictionary would still hash the key.
            for index in device.ancestors.indices where !device.ancestors[index].attributes.isEmpty {
                if let value = device.ancestors[index].attributes.value(for: names[name]) { body(SysattrValue.trimmed(value)) }
            }
        case .subsystem, .tag, .driver:
            // Never a filing key: subsystems choose the bucket, and tags
            // and drivers are left to the scan.
            break
        }
    }
}
