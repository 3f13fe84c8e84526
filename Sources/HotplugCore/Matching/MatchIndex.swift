/// Narrows the bindings worth checking for one device to a handful, so that
/// matching costs little more with 200 bindings than with 2.
///
/// Each binding is filed once per subsystem it names literally (or in a
/// bucket every device consults, when its subsystem is a glob), under one
/// key whose positive patterns are all literals ("067b") or all "prefix*"
/// globs ("02:1a:*"): a device can only match the binding if its value for
/// that key is one of those literals or starts with one of those prefixes.
/// Bindings with no such key are checked for every device of the subsystem.
/// The index only proposes candidates; `Matcher.matches` still decides, so
/// it can be generous (String equality is canonical, glob matching is by
/// scalar) but never leaves a matching binding out.
struct MatchIndex: Sendable {
    /// A fact of the device with one value per key (or a few, for
    /// attributes, which udev's ATTRS reads along the parent chain).
    enum Key: Hashable, Sendable {
        case usbVendor, usbProduct, usbSerial, path, mac, property(String), kernel, attribute(String), devtype
    }

    struct Bucket: Sendable {
        var scanned: [MatchTable.Entry] = []
        var exact: [Key: [String: [MatchTable.Entry]]] = [:]
        /// Per key: the prefix lengths in use, and the entries by prefix.
        var prefixed: [Key: (lengths: [Int], entries: [String: [MatchTable.Entry]])] = [:]
    }

    private var bySubsystem: [String: Bucket] = [:]
    private var everySubsystem = Bucket()

    init(_ entries: [MatchTable.Entry]) {
        for entry in entries {
            let subsystem = entry.rules.subsystem
            if !subsystem.positives.isEmpty, subsystem.positives.allSatisfy(\.isLiteral) {
                for name in Set(subsystem.positives.map(\.text)) { bySubsystem[name, default: Bucket()].file(entry) }
            } else {
                everySubsystem.file(entry)
            }
        }
    }

    /// The entries that might match, in binding order, without repeats.
    func candidates(_ device: DeviceFacts, _ view: Matcher.EventView) -> [MatchTable.Entry] {
        var found: [MatchTable.Entry] = []
        if let bucket = bySubsystem[device.subsystem] { bucket.collect(device, view, into: &found) }
        everySubsystem.collect(device, view, into: &found)
        guard found.count > 1 else { return found }
        found.sort { $0.index < $1.index }
        var unique: [MatchTable.Entry] = []
        unique.reserveCapacity(found.count)
        for entry in found where unique.last !== entry { unique.append(entry) }
        return unique
    }
}

extension MatchIndex.Bucket {
    mutating func file(_ entry: MatchTable.Entry) {
        let keyed = MatchIndex.keyedLists(entry.rules)
        if let (key, list) = keyed.first(where: { MatchIndex.literals($0.1) != nil }) {
            for literal in Set(MatchIndex.literals(list) ?? []) { exact[key, default: [:]][literal, default: []].append(entry) }
        } else if let (key, list) = keyed.first(where: { MatchIndex.prefixes($0.1) != nil }) {
            var slot = prefixed[key] ?? (lengths: [], entries: [:])
            for prefix in Set(MatchIndex.prefixes(list) ?? []) {
                slot.entries[prefix, default: []].append(entry)
                if !slot.lengths.contains(prefix.utf8.count) { slot.lengths.append(prefix.utf8.count) }
            }
            prefixed[key] = slot
        } else {
            scanned.append(entry)
        }
    }

    func collect(_ device: DeviceFacts, _ view: Matcher.EventView, into found: inout [MatchTable.Entry]) {
        found += scanned
        for (key, table) in exact {
            MatchIndex.forEachValue(of: key, device, view) { value in
                if let entries = table[value] { found += entries }
            }
        }
        for (key, slot) in prefixed {
            MatchIndex.forEachValue(of: key, device, view) { value in
                let bytes = value.utf8
                for length in slot.lengths where bytes.count >= length {
                    if let entries = slot.entries[String(decoding: bytes.prefix(length), as: UTF8.self)] { found += entries }
                }
            }
        }
    }
}

extension MatchIndex {
    /// The keys that can file a binding, most selective first.
    static func keyedLists(_ rules: MatchRules) -> [(Key, PatternList)] {
        var lists: [(Key, PatternList)] = []
        if let list = rules.usbVendor { lists.append((.usbVendor, list)) }
        if let list = rules.usbProduct { lists.append((.usbProduct, list)) }
        if let list = rules.usbSerial { lists.append((.usbSerial, list)) }
        if let list = rules.path { lists.append((.path, list)) }
        if let list = rules.mac { lists.append((.mac, list)) }
        for property in rules.properties { lists.append((.property(property.key), property.patterns)) }
        if let list = rules.kernel { lists.append((.kernel, list)) }
        // ATTRS ignores trailing whitespace unless a pattern ends in some;
        // such patterns are left to the scan rather than trimmed here.
        for attribute in rules.attributes
        where !attribute.patterns.patterns.contains(where: { $0.glob.text.last?.isWhitespace == true }) {
            lists.append((.attribute(attribute.key), attribute.patterns))
        }
        if let list = rules.devtype { lists.append((.devtype, list)) }
        return lists
    }

    /// The positive patterns' texts when there are some and all are literal.
    static func literals(_ list: PatternList) -> [String]? {
        guard !list.positives.isEmpty, list.positives.allSatisfy(\.isLiteral) else { return nil }
        return list.positives.map(\.text)
    }

    /// The positive patterns' prefixes when all are literal or "prefix*"
    /// with a non-empty ASCII prefix (a literal is its own prefix).
    static func prefixes(_ list: PatternList) -> [String]? {
        guard !list.positives.isEmpty else { return nil }
        var prefixes: [String] = []
        for glob in list.positives {
            if glob.isLiteral, !glob.text.isEmpty, glob.text.utf8.allSatisfy({ $0 < 0x80 }) {
                prefixes.append(glob.text)
            } else if let prefix = glob.asciiPrefixPattern, !prefix.isEmpty {
                prefixes.append(prefix)
            } else {
                return nil
            }
        }
        return prefixes
    }

    /// The device's values for a key, as `Matcher.matches` reads them.
    static func forEachValue(of key: Key, _ device: DeviceFacts, _ view: Matcher.EventView, _ body: (String) -> Void) {
        switch key {
        case .usbVendor: if let usb = view.usb { body(usb.vendor) }
        case .usbProduct: if let usb = view.usb { body(usb.product) }
        case .usbSerial: if let usb = view.usb { body(usb.serial) }
        case .path: body(view.path)
        case .mac: body(view.mac)
        case .property(let name): body(device.properties[name] ?? "")
        case .kernel: body(device.sysname)
        case .devtype: body(device.devtype ?? "")
        case .attribute(let name):
            if let value = device.attributes[name] { body(trimmingTrailingWhitespace(value)) }
            for ancestor in device.ancestors {
                if let value = ancestor.attributes[name] { body(trimmingTrailingWhitespace(value)) }
            }
        }
    }

    private static func trimmingTrailingWhitespace(_ value: String) -> String {
        guard value.last?.isWhitespace == true else { return value }
        var trimmed = Substring(value)
        while trimmed.last?.isWhitespace == true { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}
