extension MatchIndex {
    /// The bindings filed under one subsystem (or under none, for those
    /// whose subsystem is a glob): those checked for every device, and per
    /// key, tables of those filed under a literal value or a prefix of it.
    /// Plain ranges into the index's flat arrays, so that per event nothing
    /// in a bucket is copied or reference-counted.
    struct Bucket: Sendable {
        /// What the event view must hold for any binding filed here.
        var viewParts: Matcher.EventView.Parts = []
        /// In the index's `scanned`.
        var scanned: Range<Int> = 0..<0
        /// In the index's `lookups`.
        var lookups: Range<Int> = 0..<0

        var isEmpty: Bool { scanned.isEmpty && lookups.isEmpty }
    }

    /// Where one key's value is looked up: one fetch of the value (or
    /// values, along the parent chain) serves all its tables.
    struct Lookup: Sendable {
        let fact: Fact
        /// The bindings filed under literals, by the whole value.
        let exact: KeyTables.Table
        /// In the index's `prefixTables`, by ascending prefix length.
        let prefixed: Range<Int>
    }

    /// The bindings filed under prefixes of one length, by the value's
    /// first `length` bytes.
    struct PrefixTable: Sendable {
        let length: Int
        let table: KeyTables.Table
    }

    /// The index's flat arrays, while buckets are added to them.
    struct Storage {
        var names = FactNames()
        var tables = KeyTables()
        var scanned: [Int] = []
        var lookups: [Lookup] = []
        var prefixTables: [PrefixTable] = []
    }

    /// A bucket while bindings are filed into it, keyed by bytes.
    struct BucketDraft {
        private var viewParts: Matcher.EventView.Parts = []
        private var scanned: [Int] = []
        private var exact: [Key: [[UInt8]: [Int]]] = [:]
        private var prefixed: [Key: [Int: [[UInt8]: [Int]]]] = [:]
        /// Keys in the order first used: lookups in a deterministic order.
        private var keys: [Key] = []

        mutating func file(_ entry: MatchTable.Entry) {
            viewParts.formUnion(Matcher.EventView.Parts(entry.rules))
            guard let filing = MatchIndex.filing(entry.rules) else { return scanned.append(entry.index) }
            let key = filing.key
            if !keys.contains(key) { keys.append(key) }
            for value in Set(filing.values.map { Array($0.utf8) }) {
                switch filing.form {
                case .exact: exact[key, default: [:]][value, default: []].append(entry.index)
                case .prefixed: prefixed[key, default: [:]][value.count, default: [:]][value, default: []].append(entry.index)
                }
            }
        }

        func bucket(in storage: inout Storage) -> Bucket {
            let scannedStart = storage.scanned.count, lookupsStart = storage.lookups.count
            storage.scanned += scanned
            for key in keys {
                let exactTable = storage.tables.add(exact[key] ?? [:])
                let prefixStart = storage.prefixTables.count
                for (length, map) in (prefixed[key] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    storage.prefixTables.append(PrefixTable(length: length, table: storage.tables.add(map)))
                }
                storage.lookups.append(Lookup(fact: key.fact(names: &storage.names), exact: exactTable,
                                              prefixed: prefixStart..<storage.prefixTables.count))
            }
            return Bucket(viewParts: viewParts, scanned: scannedStart..<storage.scanned.count,
                          lookups: lookupsStart..<storage.lookups.count)
        }
    }
}

extension MatchIndex.Key {
    func fact(names: inout FactNames) -> Fact {
        switch self {
        case .usbVendor: .usbVendor
        case .usbProduct: .usbProduct
        case .usbSerial: .usbSerial
        case .path: .path
        case .mac: .mac
        case .kernel: .kernel
        case .devtype: .devtype
        case .property(let name): .property(names.index(of: name))
        case .attribute(let name): .attribute(names.index(of: name))
        }
    }
}
