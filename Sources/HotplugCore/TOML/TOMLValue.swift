/// A parsed TOML value. Date-times keep their raw text: the configuration
/// never computes with them, and the text is what a user would recognise.
public indirect enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    /// Offset or local date-time, local date or local time, as written.
    case datetime(String)
    /// A static array, or an array of tables (each element a `.table`).
    case array([TOMLNode])
    case table(TOMLTable)
}

/// A value and the position of its first character. For a table defined by a
/// `[header]` that is the header's '['; for a table created implicitly by a
/// dotted key or header it is the key that created it.
public struct TOMLNode: Sendable, Equatable {
    public var value: TOMLValue
    public var position: SourcePosition

    public init(value: TOMLValue, position: SourcePosition) {
        self.value = value
        self.position = position
    }
}

public extension TOMLValue {
    /// The name used in messages such as "expected a string, found an integer".
    var typeName: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .boolean: "boolean"
        case .datetime: "datetime"
        case .array: "array"
        case .table: "table"
        }
    }

    /// `typeName` with its indefinite article: "an integer", "a string".
    var typeNameWithArticle: String {
        switch self {
        case .integer, .array: "an \(typeName)"
        default: "a \(typeName)"
        }
    }
}
