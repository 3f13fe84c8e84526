/// Why a new image refuses the state its predecessor handed over: it then
/// starts clean instead (see `ReexecState`).
public struct ReexecStateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Typed, throwing reads of the state's JSON: every field is required to
/// have its kind, every number its range, so a state written by another
/// version (or by someone else) is refused, never half-understood.
struct ReexecReader {
    let value: JSONValue
    /// Where in the document, for the refusal's text: built only for one,
    /// since a re-exec reads some hundred fields a device inside its pause.
    var path: String { location.text }
    private let location: Location

    init(_ value: JSONValue, path: String = "state") {
        self.init(value, at: .root(path))
    }

    private init(_ value: JSONValue, at location: Location) {
        self.value = value
        self.location = location
    }

    /// A field's or an element's place below its parent's.
    private indirect enum Location {
        case root(String)
        case field(Location, String)
        case element(Location, Int)

        var text: String {
            switch self {
            case .root(let name): name
            case .field(let parent, let key): parent.text + "." + key
            case .element(let parent, let index): "\(parent.text)[\(index)]"
            }
        }
    }

    func field(_ key: String) throws(ReexecStateError) -> ReexecReader {
        guard case .object(let members) = value else { throw ReexecStateError("\(path) is not an object") }
        guard let member = members.first(where: { $0.0 == key }) else { throw ReexecStateError("\(path).\(key) is missing") }
        return ReexecReader(member.1, at: .field(location, key))
    }

    var isNull: Bool { if case .null = value { true } else { false } }

    /// Nil for JSON null; a missing key is still an error.
    func optional(_ key: String) throws(ReexecStateError) -> ReexecReader? {
        let reader = try field(key)
        return reader.isNull ? nil : reader
    }

    func string() throws(ReexecStateError) -> String {
        guard case .string(let text) = value else { throw ReexecStateError("\(path) is not a string") }
        return text
    }

    func bool() throws(ReexecStateError) -> Bool {
        guard case .bool(let flag) = value else { throw ReexecStateError("\(path) is not a boolean") }
        return flag
    }

    func int(_ range: ClosedRange<Int64>) throws(ReexecStateError) -> Int64 {
        guard case .int(let number) = value else { throw ReexecStateError("\(path) is not an integer") }
        guard range.contains(number) else { throw ReexecStateError("\(path) is out of range (\(number))") }
        return number
    }

    func count(upTo limit: Int) throws(ReexecStateError) -> Int { Int(try int(0...Int64(limit))) }
    func pid() throws(ReexecStateError) -> ProcessID { ProcessID(Int32(try int(2...Int64(Int32.max)))) }
    func descriptor() throws(ReexecStateError) -> Int32 { Int32(try int(3...Int64(Int32.max))) }
    func instant() throws(ReexecStateError) -> Instant { Instant(nanoseconds: UInt64(try int(0...Int64.max))) }

    func array(upTo limit: Int) throws(ReexecStateError) -> [ReexecReader] {
        guard case .array(let values) = value else { throw ReexecStateError("\(path) is not an array") }
        guard values.count <= limit else { throw ReexecStateError("\(path) has more than \(limit) entries") }
        return values.enumerated().map { ReexecReader($1, at: .element(location, $0)) }
    }

    func strings(upTo limit: Int) throws(ReexecStateError) -> [String] {
        var result: [String] = []
        for item in try array(upTo: limit) { result.append(try item.string()) }
        return result
    }

    func stringMap(upTo limit: Int) throws(ReexecStateError) -> [String: String] {
        guard case .object(let members) = value else { throw ReexecStateError("\(path) is not an object") }
        guard members.count <= limit else { throw ReexecStateError("\(path) has more than \(limit) entries") }
        var result: [String: String] = [:]
        for (key, member) in members {
            guard case .string(let text) = member else { throw ReexecStateError("\(path).\(key) is not a string") }
            guard result.updateValue(text, forKey: key) == nil else { throw ReexecStateError("\(path).\(key) appears twice") }
        }
        return result
    }

    func stage() throws(ReexecStateError) -> Stage {
        guard let stage = Stage(code: Int(try int(0...1000))) else { throw ReexecStateError("\(path) is not a stage") }
        return stage
    }
}

extension JSONValue {
    static func instant(_ value: Instant) -> JSONValue { .int(Int64(clamping: value.nanoseconds)) }
    static func optionalInstant(_ value: Instant?) -> JSONValue { value.map(instant) ?? .null }
    static func optionalInt<T: BinaryInteger>(_ value: T?) -> JSONValue { value.map { .int(Int64($0)) } ?? .null }
    static func stringMap(_ map: [String: String]) -> JSONValue {
        .object(map.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }
}
