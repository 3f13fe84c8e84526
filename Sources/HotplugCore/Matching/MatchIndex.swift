/// Narrows the bindings worth checking for one device to a handful, so that
/// matching costs little more with 200 bindings than with 2.
///
/// Each binding is filed once per subsystem it names literally (or in a
/// bucket every device consults, when its subsystem is a glob), under one
/// key whose positive patterns are all literals ("067b") or all "prefix*"
/// globs ("02:1a:*"): a device can only match the binding if its value for
/// that key is one of those literals or starts with one of those prefixes.
/// Bindings with no such key are checked for every device of the subsystem.
/// The index only proposes candidates and `MatchProgram` decides, so it may
/// propose too many (a prefix is not the whole glob) but never leaves a
/// matching binding out: subsystems and keys compare as bytes, which is the
/// glob's own scalar-by-scalar equality.
///
/// A class, immutable after init: held by the table, a struct of half a
/// dozen arrays was copied (and each array retained) on every event.
final class MatchIndex: Sendable {
    /// A fact of the device with one value per key (or a few, for
    /// attributes, which udev's ATTRS reads along the parent chain).
    enum Key: Hashable, Sendable {
        case usbVendor, usbProduct, usbSerial, path, mac, property(String), kernel, attribute(String), devtype
    }

    /// Where a binding is filed within its buckets.
    struct Filing {
        enum Form { case exact, prefixed }
        let key: Key
        let list: PatternList
        let form: Form
        /// The literals, or the prefixes, the binding is filed under.
        let values: [String]

        /// The list whose test finding the binding under `key` already is:
        /// when no negation remains to check and each value is the whole of
        /// a positive pattern (a literal, looked up exactly; a "prefix*"
        /// glob, not a literal, looked up by prefix).
        var settledList: PatternList? {
            guard list.negatives.isEmpty else { return nil }
            switch form {
            case .exact: return list
            case .prefixed: return list.positives.allSatisfy { $0.asciiPrefixPattern != nil } ? list : nil
            }
        }
    }

    /// The buckets of the subsystems bindings name literally, found by the
    /// subsystem's bytes: no String hashing per event.
    let buckets: [Bucket]
    let bucketBySubsystem: KeyTables.Table
    let everySubsystem: Bucket
    let storage: Storage
    /// One more than the highest entry index: what a `CandidateSet` must hold.
    let capacity: Int

    init(_ entries: [MatchTable.Entry]) {
        var drafts: [[UInt8]: BucketDraft] = [:], unfiled = BucketDraft()
        for entry in entries {
            if let subsystems = MatchIndex.literalSubsystems(entry.rules.subsystem) {
                for name in subsystems { drafts[Array(name.utf8), default: BucketDraft()].file(entry) }
            } else {
                unfiled.file(entry)
            }
        }
        var storage = Storage()
        // Sorted: the same configuration always gets the same layout.
        let subsystems = drafts.keys.sorted { $0.lexicographicallyPrecedes($1) }
        buckets = subsystems.map { drafts[$0]?.bucket(in: &storage) ?? Bucket() }
        bucketBySubsystem = storage.tables.add(Dictionary(uniqueKeysWithValues: subsystems.enumerated().map { ($0.element, [$0.offset]) }))
        everySubsystem = unfiled.bucket(in: &storage)
        self.storage = storage
        capacity = (entries.map(\.index).max() ?? -1) + 1
    }

    /// The distinct subsystems a list names, when it is only literals;
    /// distinct as bytes, as the bucket lookup compares them.
    static func literalSubsystems(_ list: PatternList) -> [String]? {
        guard list.negatives.isEmpty, let names = literals(list) else { return nil }
        var distinct: [String] = []
        for name in names where !distinct.contains(where: { $0.utf8.elementsEqual(name.utf8) }) { distinct.append(name) }
        return distinct
    }

    /// Where the index files a binding, if under some key: the first key,
    /// most selective first, whose positives are all literals, or all
    /// literals or "prefix*" globs. Not any literal key before any prefix:
    /// `devtype = "disk"` would then file a binding with `usb-serial =
    /// "SER12*"` where every disk finds it.
    static func filing(_ rules: MatchRules) -> Filing? {
        for (key, list) in keyedLists(rules) {
            if let values = literals(list) { return Filing(key: key, list: list, form: .exact, values: values) }
            if let values = prefixes(list) { return Filing(key: key, list: list, form: .prefixed, values: values) }
        }
        return nil
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
        for attribute in rules.attributes where !attribute.patterns.endsInWhitespace {
            lists.append((.attribute(attribute.key), attribute.patterns))
        }
        if let list = rules.devtype { lists.append((.devtype, list)) }
        return lists
    }

    /// The positive patterns' texts when there are some and all are literal.
    static func literals(_ list: PatternList) -> [String]? {
        guard !list.positives.isEmpty else { return nil }
        var values: [String] = []
        for glob in list.positives {
            // The matched string, not the pattern's text: escapes resolved.
            guard let value = glob.literalValue else { return nil }
            values.append(value)
        }
        return values
    }

    /// The positive patterns' prefixes when all are literal or "prefix*"
    /// with a non-empty ASCII prefix (a literal is its own prefix).
    static func prefixes(_ list: PatternList) -> [String]? {
        guard !list.positives.isEmpty else { return nil }
        var prefixes: [String] = []
        for glob in list.positives {
            if let value = glob.literalValue, !value.isEmpty, value.utf8.allSatisfy({ $0 < 0x80 }) {
                prefixes.append(value)
            } else if let prefix = glob.asciiPrefixPattern, !prefix.isEmpty {
                prefixes.append(prefix)
            } else {
                return nil
            }
        }
        return prefixes
    }
}
