/// A table while the document is still being read. Unlike `TOMLTable` it
/// remembers how it came to exist, which decides what may still be added to it.
final class TOMLTableDraft {
    enum Origin {
        /// Created as the parent of a header, e.g. `a` by `[a.b]`; a later `[a]` may still define it.
        case implicitlyByHeader
        /// Defined by its own `[header]` or `[[header]]` (or the document root).
        case header
        /// Created by a dotted key such as `a.b = 1`.
        case dottedKey
        /// The table of an inline `{ ... }`, which is closed once read.
        case inlineTable
    }

    var origin: Origin
    var position: SourcePosition
    /// Containers between the document root and this table.
    let depth: Int
    private(set) var entries: [TOMLEntryDraft] = []
    private var entryIndexByKey: [String: Int] = [:]

    init(origin: Origin, position: SourcePosition, depth: Int) {
        self.origin = origin
        self.position = position
        self.depth = depth
    }

    func entry(for key: String) -> TOMLEntryDraft? {
        entryIndexByKey[key].map { entries[$0] }
    }

    func add(_ entry: TOMLEntryDraft) {
        entryIndexByKey[entry.key] = entries.count
        entries.append(entry)
    }

    func makeTable() -> TOMLTable {
        TOMLTable(entries: entries.map { entry in
            TOMLEntry(key: entry.key, keyPosition: entry.keyPosition, node: entry.item.makeNode())
        })
    }
}

final class TOMLEntryDraft {
    let key: String
    var keyPosition: SourcePosition
    var item: TOMLItemDraft

    init(_ part: TOMLKeyPart, item: TOMLItemDraft) {
        key = part.name
        keyPosition = part.position
        self.item = item
    }
}

enum TOMLItemDraft {
    /// A finished value: scalar, static array or inline table.
    case value(TOMLNode)
    case table(TOMLTableDraft)
    case arrayOfTables(TOMLArrayOfTablesDraft)

    func makeNode() -> TOMLNode {
        switch self {
        case .value(let node):
            node
        case .table(let table):
            TOMLNode(value: .table(table.makeTable()), position: table.position)
        case .arrayOfTables(let array):
            TOMLNode(value: .array(array.tables.map { TOMLNode(value: .table($0.makeTable()), position: $0.position) }),
                     position: array.position)
        }
    }
}

final class TOMLArrayOfTablesDraft {
    let position: SourcePosition
    /// Never empty: the array is created together with its first table.
    private(set) var tables: [TOMLTableDraft]

    init(position: SourcePosition, first: TOMLTableDraft) {
        self.position = position
        tables = [first]
    }

    var last: TOMLTableDraft? { tables.last }

    func append(_ table: TOMLTableDraft) {
        tables.append(table)
    }
}
