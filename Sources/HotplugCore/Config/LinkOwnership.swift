/// Finds bindings with `[link]` that can claim the same device: they would
/// fight over its name and addresses, so the second one is a config error.
///
/// Only what provably overlaps is refused (see `MatchOverlap`). Comparing
/// every pair grew with the square of the bindings (2,000 took seconds), so
/// pairs are proposed by an index instead: bindings are grouped by the keys
/// they constrain, and each group files its members by the literal prefix of
/// one key's patterns. Two globs whose literal prefixes are not prefixes of
/// one another share no value, so only the members filed under a prefix of
/// the asked one, or under an extension of it, are compared in full.
enum LinkOwnership {
    static func conflicts(_ decoded: [BindingDecoder.Decoded]) -> [ConfigDiagnostic] {
        let owners = decoded.filter { $0.binding.link != nil }
        let keys = owners.map { MatchOverlap.constrained($0.binding.match) }
        var groups: [[String]: ShapeGroup] = [:]
        for (index, owned) in keys.enumerated() {
            groups[owned.keys.sorted(), default: ShapeGroup(keys: Set(owned.keys))].members.append(index)
        }
        for shape in Array(groups.keys) { groups[shape]?.buildIndexes(keys) }
        let shapes = Array(groups.values)

        var diagnostics: [ConfigDiagnostic] = []
        for (index, later) in owners.enumerated() {
            let mine = keys[index]
            var candidates = Set<Int>()
            for group in shapes {
                let common: Set<String>
                if group.keys.isSubset(of: mine.keys) { common = group.keys }
                else if Set(mine.keys).isSubset(of: group.keys) { common = Set(mine.keys) }
                else { continue }
                group.candidates(for: mine, sharing: common, before: index, into: &candidates)
            }
            for other in candidates.sorted() where MatchOverlap.provablyOverlap(keys[other], mine) {
                let earlier = owners[other]
                let place = earlier.linkPosition.map { "\(earlier.binding.file):\($0.line):\($0.column)" } ?? earlier.binding.file
                diagnostics.append(ConfigDiagnostic(file: later.binding.file, position: later.linkPosition,
                    message: "binding '\(later.binding.name)' and binding '\(earlier.binding.name)' (\(place)) can match the same device and both have [link]; make their [match] exclusive or keep [link] in one of them"))
                break
            }
        }
        return diagnostics
    }

    /// The owners that constrain exactly one set of keys.
    struct ShapeGroup {
        let keys: Set<String>
        var members: [Int] = []
        /// Per key that one value decides (not the ancestor-walking ones).
        var indexes: [String: PrefixIndex] = [:]

        init(keys: Set<String>) { self.keys = keys }

        mutating func buildIndexes(_ all: [[String: PatternList]]) {
            for key in keys where !MatchOverlap.isMultiValued(key) {
                indexes[key] = PrefixIndex(members.map { ($0, all[$0][key]) })
            }
        }

        /// Members before `limit` that may share a value with `rules` on the
        /// key of `common` that splits this group finest.
        func candidates(for rules: [String: PatternList], sharing common: Set<String>, before limit: Int,
                        into result: inout Set<Int>) {
            let pivot = common.compactMap { key in indexes[key].map { (key, $0) } }
                .max { ($0.1.distinct, $1.0) < ($1.1.distinct, $0.0) }
            guard let (key, index) = pivot, let list = rules[key] else {
                for member in members where member < limit { result.insert(member) }
                return
            }
            index.candidates(for: list, before: limit, into: &result)
        }
    }

    /// Members sorted by the UTF-8 literal prefix of each positive pattern.
    struct PrefixIndex {
        var entries: [(prefix: [UInt8], member: Int)] = []
        /// Members without a positive pattern on this key: any value may pass.
        var open: [Int] = []
        var distinct = 0

        init(_ lists: [(Int, PatternList?)]) {
            for case let (member, list?) in lists {
                if list.positives.isEmpty { open.append(member); continue }
                for glob in list.positives { entries.append((Array(glob.literalPrefix.utf8), member)) }
            }
            entries.sort { $0.prefix.lexicographicallyPrecedes($1.prefix) }
            distinct = entries.indices.filter { $0 == 0 || entries[$0 - 1].prefix != entries[$0].prefix }.count
        }

        func candidates(for list: PatternList, before limit: Int, into result: inout Set<Int>) {
            for member in open where member < limit { result.insert(member) }
            guard !list.positives.isEmpty else {
                for entry in entries where entry.member < limit { result.insert(entry.member) }
                return
            }
            for glob in list.positives {
                let wanted = Array(glob.literalPrefix.utf8)
                // Filed under a prefix of the wanted one (or under it)...
                for length in 0...wanted.count {
                    let key = Array(wanted[0..<length])
                    var at = lowerBound(key)
                    while at < entries.count, entries[at].prefix == key {
                        if entries[at].member < limit { result.insert(entries[at].member) }
                        at += 1
                    }
                }
                // ...or under an extension of it.
                var at = lowerBound(wanted)
                while at < entries.count, entries[at].prefix.starts(with: wanted) {
                    if entries[at].member < limit { result.insert(entries[at].member) }
                    at += 1
                }
            }
        }

        private func lowerBound(_ key: [UInt8]) -> Int {
            var low = 0, high = entries.count
            while low < high {
                let middle = (low + high) / 2
                if entries[middle].prefix.lexicographicallyPrecedes(key) { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }
}

/// Whether two `[match]` sections provably select a device together: one
/// constrains no key the other leaves open (the same match, or a narrower
/// one, on the same keys), and on every key both constrain some value passes
/// both, negations and character classes included. Overlaps that depend on
/// facts of the device itself (a veth that is also a USB device?) cannot be
/// seen in the files; the supervisor logs those as conflicts when they happen.
enum MatchOverlap {
    static func provablyOverlap(_ a: [String: PatternList], _ b: [String: PatternList]) -> Bool {
        guard a.keys.allSatisfy({ b[$0] != nil }) || b.keys.allSatisfy({ a[$0] != nil }) else { return false }
        for (key, x) in a {
            guard let y = b[key] else { continue }
            // The parent chain has many drivers and attribute values: each
            // binding can be satisfied by a different device of it.
            if key == "driver" || key.hasPrefix("attribute.") { continue }
            let shared = key == "tag" ? tagsCanPassBoth(x, y) : x.sharesAValue(with: y)
            // Undecided within the budget is not proof.
            if shared != true { return false }
        }
        return true
    }

    /// Keys where one device has several values, so no one value must pass both.
    static func isMultiValued(_ key: String) -> Bool {
        key == "driver" || key == "tag" || key.hasPrefix("attribute.")
    }

    /// A device's tags are a set: each list needs one tag of its positives
    /// (if it has any) and none of either list's negations may be among
    /// them; a device without tags is matched as the empty string.
    static func tagsCanPassBoth(_ a: PatternList, _ b: PatternList) -> Bool? {
        if a.matches(""), b.matches("") { return true }
        let negations = a.negatives + b.negatives
        var undecided = false
        var groups = [a.positives, b.positives].filter { !$0.isEmpty }
        if groups.isEmpty { groups = [[]] }
        for group in groups {
            switch GlobWitness.exists(anyOf: [group], noneOf: negations) {
            case false?: return false
            case nil: undecided = true
            case true?: break
            }
        }
        return undecided ? nil : true
    }

    static func constrained(_ rules: MatchRules) -> [String: PatternList] {
        var keys: [String: PatternList] = ["subsystem": rules.subsystem]
        let optional: [(String, PatternList?)] = [
            ("devtype", rules.devtype), ("kernel", rules.kernel), ("driver", rules.driver),
            ("usb-vendor", rules.usbVendor), ("usb-product", rules.usbProduct), ("usb-serial", rules.usbSerial),
            ("mac", rules.mac), ("path", rules.path), ("tag", rules.tag),
        ]
        for case let (key, list?) in optional { keys[key] = list }
        for property in rules.properties { keys["property." + property.key] = property.patterns }
        for attribute in rules.attributes { keys["attribute." + attribute.key] = attribute.patterns }
        return keys
    }
}
