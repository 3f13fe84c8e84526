/// A place in a TOML document. Both fields are 1-based; the column counts
/// Unicode scalars from the start of the line.
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    /// "LINE:COL", the form used in `FILE:LINE:COL: message`.
    public var description: String { "\(line):\(column)" }
}
