/// One request on the control socket: a single text line, so the protocol
/// stays trivial to speak from a shell (`echo status | socat - UNIX:...`).
///
///     status [BINDING]
///     metrics
///     reload
///     restart BINDING [DEVICE]
///     reexec
public enum ControlRequest: Sendable, Equatable {
    case status(binding: String?)
    /// The Prometheus text of `hotplugd metrics`, as a JSON string.
    case metrics
    case reload
    case restart(binding: String, device: String?)
    /// Replace the running image with the binary at the path it was started
    /// from, keeping children, sockets and rules (see `ReexecState`).
    case reexec

    /// Longest request line accepted; anything longer is refused unread.
    public static let maximumLineBytes = 4096

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    public init(parsing line: String) throws(ParseError) {
        guard line.utf8.count <= Self.maximumLineBytes else {
            throw ParseError(description: "request longer than \(Self.maximumLineBytes) bytes")
        }
        // Split on scalars, not Characters: a combining mark after a space
        // would otherwise glue two words into one grapheme.
        let words = line.unicodeScalars.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })
            .map { String(String.UnicodeScalarView($0)) }
        guard let verb = words.first else { throw ParseError(description: "empty request") }
        let arguments = Array(words.dropFirst())
        switch (verb, arguments.count) {
        case ("status", 0): self = .status(binding: nil)
        case ("status", 1): self = .status(binding: arguments[0])
        case ("metrics", 0): self = .metrics
        case ("reload", 0): self = .reload
        case ("reexec", 0): self = .reexec
        case ("restart", 1): self = .restart(binding: arguments[0], device: nil)
        case ("restart", 2): self = .restart(binding: arguments[0], device: arguments[1])
        case ("status", _), ("metrics", _), ("reload", _), ("restart", _), ("reexec", _):
            throw ParseError(description: "wrong number of arguments for '\(verb)'")
        default:
            throw ParseError(description: "unknown request '\(String(verb.prefix(64)))'; expected status, metrics, reload, restart or reexec")
        }
    }

    /// An argument the client may send: one word of printable characters.
    /// A newline would end the request early (and so restart the binding
    /// named before it), a space would split the word in two.
    public static func checkArgument(_ word: String, _ what: String) throws(ParseError) {
        guard !word.isEmpty else { throw ParseError(description: "the \(what) is empty") }
        guard !word.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) else {
            throw ParseError(description: "'\(Printable.escaped(word))' is not a \(what): it holds spaces or control characters")
        }
    }

    /// The line a client sends for this request.
    public var line: String {
        switch self {
        case .status(let binding): (["status"] + [binding].compactMap { $0 }).joined(separator: " ")
        case .metrics: "metrics"
        case .reload: "reload"
        case .reexec: "reexec"
        case .restart(let binding, let device): (["restart", binding] + [device].compactMap { $0 }).joined(separator: " ")
        }
    }

    /// Reading status and metrics is open to anyone who can connect;
    /// changing things is not.
    public var needsPrivilege: Bool {
        switch self {
        case .status, .metrics: false
        case .reload, .restart, .reexec: true
        }
    }
}
