/// One `key = value` of a table, with where the key was written.
public struct TOMLEntry: Sendable, Equatable {
    public var key: String
    public var keyPosition: SourcePosition
    public var node: TOMLNode

    public init(key: String, keyPosition: SourcePosition, node: TOMLNode) {
        self.key = key
        self.keyPosition = keyPosition
        self.node = node
    }
}

/// A TOML table whose entries keep document order, so that diagnostics about
/// several keys come out in the order a reader meets them.
public struct TOMLTable: Sendable, Equatable {
    /// In document order of first definition.
    public var entries: [TOMLEntry]

    public init(entries: [TOMLEntry] = []) {
        self.entries = entries
    }

    public subscript(key: String) -> TOMLEntry? {
        entries.first { $0.key == key }
    }

    public var keys: [String] { entries.map(\.key) }
}
