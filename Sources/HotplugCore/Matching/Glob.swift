/// A shell glob as udev and fnmatch(3) understand it: `*`, `?`, `[a-z]`, `[!x]`
/// and backslash escapes. Matching works on Unicode scalars and never recurses,
/// so a hostile device string cannot blow the stack or take exponential time.
///
/// A class, immutable after init: pattern lists are walked per event and
/// binding, and a struct of four references was copied (and reference-counted)
/// at every step of those walks.
public final class Glob: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    /// Read by `GlobWitness`, which decides whether globs can share a match.
    let tokens: [Token]

    enum Token: Sendable, Hashable {
        case literal(Unicode.Scalar)
        case anyOne
        case anySequence
        case set(negated: Bool, items: [SetItem])
    }

    enum SetItem: Sendable, Hashable {
        case single(Unicode.Scalar)
        case range(Unicode.Scalar, Unicode.Scalar)
    }

    /// The text itself when the glob has no wildcard: compared directly.
    private let literal: String?
    private let literalIsASCII: Bool
    private let asciiPrefix: [UInt8]?

    public init(_ text: String) {
        self.text = text
        self.tokens = Glob.tokenize(Array(text.unicodeScalars))
        self.literal = tokens.allSatisfy { if case .literal = $0 { true } else { false } }
            ? String(String.UnicodeScalarView(tokens.map { if case .literal(let s) = $0 { s } else { " " } })) : nil
        self.literalIsASCII = literal?.utf8.allSatisfy { $0 < 0x80 } ?? false
        // "prefix*", the commonest glob, with an ASCII prefix: a byte comparison.
        if tokens.count >= 2, tokens.last == .anySequence, tokens.dropLast().allSatisfy({ if case .literal(let s) = $0 { s.isASCII } else { false } }) {
            asciiPrefix = Array(String(String.UnicodeScalarView(tokens.dropLast().map { if case .literal(let s) = $0 { s } else { " " } })).utf8)
        } else {
            asciiPrefix = nil
        }
    }

    public var description: String { text }

    /// Two globs are the same when written the same.
    public static func == (lhs: Glob, rhs: Glob) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// The one string a glob without wildcards matches: its text with the
    /// backslash escapes resolved (`tty\-x` matches `tty-x`); nil otherwise.
    public var literalValue: String? { literal }

    /// The scalars the glob requires literally (not those inside `[...]`).
    var literalScalars: [Unicode.Scalar] {
        tokens.compactMap { if case .literal(let scalar) = $0 { scalar } else { nil } }
    }

    /// True when the glob has no wildcard: it matches exactly one string.
    public var isLiteral: Bool {
        tokens.allSatisfy { if case .literal = $0 { true } else { false } }
    }

    /// For a glob of the form "prefix*" with an ASCII prefix, that prefix:
    /// such a glob passes exactly the strings whose bytes start with it.
    var asciiPrefixPattern: String? {
        asciiPrefix.map { String(decoding: $0, as: UTF8.self) }
    }

    /// The literal text before the first wildcard.
    public var literalPrefix: String {
        var scalars = String.UnicodeScalarView()
        for token in tokens {
            guard case .literal(let scalar) = token else { break }
            scalars.append(scalar)
        }
        return String(scalars)
    }

    public func matches(_ candidate: String) -> Bool {
        // Scalar by scalar, as below, not String == (which compares canonically).
        if let literal {
            // For an ASCII literal, equal byte counts make == exact (no
            // canonical-equivalence surprises); else compare scalar by scalar.
            if literalIsASCII { return candidate.utf8.count == literal.utf8.count && candidate == literal }
            return candidate.unicodeScalars.elementsEqual(literal.unicodeScalars)
        }
        if let asciiPrefix { return Glob.hasPrefix(candidate, asciiPrefix) }
        let input = candidate.unicodeScalars
        var t = 0, i = input.startIndex
        var starToken = -1, starInput = input.startIndex
        while i < input.endIndex {
            if t < tokens.count {
                switch tokens[t] {
                case .anySequence:
                    starToken = t
                    starInput = i
                    t += 1
                    continue
                case .anyOne:
                    t += 1; input.formIndex(after: &i)
                    continue
                case .literal(let scalar) where scalar == input[i]:
                    t += 1; input.formIndex(after: &i)
                    continue
                case .set(let negated, let items) where Glob.setContains(items, input[i]) != negated:
                    t += 1; input.formIndex(after: &i)
                    continue
                default:
                    break
                }
            }
            // Mismatch: let the last `*` swallow one more character, or fail.
            guard starToken >= 0 else { return false }
            input.formIndex(after: &starInput)
            i = starInput
            t = starToken + 1
        }
        while t < tokens.count, tokens[t] == .anySequence { t += 1 }
        return t == tokens.count
    }

    /// A byte comparison over contiguous storage; the generic
    /// `starts(with:)` on a String's UTF-8 view costs several times more.
    private static func hasPrefix(_ candidate: String, _ prefix: [UInt8]) -> Bool {
        var candidate = candidate
        return candidate.withUTF8 { bytes in
            guard bytes.count >= prefix.count else { return false }
            return prefix.withUnsafeBufferPointer { wanted in
                for index in 0..<wanted.count where bytes[index] != wanted[index] { return false }
                return true
            }
        }
    }

    private static func setContains(_ items: [SetItem], _ scalar: Unicode.Scalar) -> Bool {
        items.contains { item in
            switch item {
            case .single(let s): s == scalar
            case .range(let low, let high): low.value <= scalar.value && scalar.value <= high.value
            }
        }
    }

    private static func tokenize(_ scalars: [Unicode.Scalar]) -> [Token] {
        var tokens: [Token] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "*":
                if tokens.last != .anySequence { tokens.append(.anySequence) }
                index += 1
            case "?":
                tokens.append(.anyOne)
                index += 1
            case "\\" where index + 1 < scalars.count:
                tokens.append(.literal(scalars[index + 1]))
                index += 2
            case "[":
                if let (set, next) = parseSet(scalars, from: index) {
                    tokens.append(set)
                    index = next
                } else {
                    // An unclosed bracket is a literal '[', as in fnmatch.
                    tokens.append(.literal(scalar))
                    index += 1
                }
            default:
                tokens.append(.literal(scalar))
                index += 1
            }
        }
        return tokens
    }

    private static func parseSet(_ scalars: [Unicode.Scalar], from start: Int) -> (Token, Int)? {
        var index = start + 1
        var negated = false
        if index < scalars.count, scalars[index] == "!" || scalars[index] == "^" {
            negated = true
            index += 1
        }
        var items: [SetItem] = []
        var first = true
        while index < scalars.count {
            var scalar = scalars[index]
            if scalar == "]" && !first {
                return (.set(negated: negated, items: items), index + 1)
            }
            first = false
            if scalar == "\\", index + 1 < scalars.count {
                index += 1
                scalar = scalars[index]
            }
            if index + 2 < scalars.count, scalars[index + 1] == "-", scalars[index + 2] != "]" {
                items.append(.range(scalar, scalars[index + 2]))
                index += 3
            } else {
                items.append(.single(scalar))
                index += 1
            }
        }
        return nil
    }
}
