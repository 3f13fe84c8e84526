/// Turns `[match]` patterns into udev rule match tokens (`KEY=="a|b"`,
/// `KEY!="c"`), refusing the patterns udev would read differently.
///
/// udev compares with fnmatch(3): the same `*`, `?` and `[...]` as hotplugd's
/// globs, but it splits a value at `|` into alternatives, compares bytes
/// rather than characters, and its backslash handling inside `[...]` differs
/// from hotplugd's. Patterns using any of those are refused.
enum UdevRuleText {
    /// Why `glob` cannot be written as a udev match value, or nil.
    static func problem(with glob: Glob) -> String? {
        let text = glob.text
        if text.contains("|") {
            return "'\(text)' contains '|', which udev reads as \"or\" between two patterns"
        }
        if text.contains("\\") {
            return "'\(text)' contains a backslash; udev's fnmatch may read the escape differently"
        }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            return "'\(text)' contains a control character, which cannot stand in a udev rule"
        }
        if !glob.isLiteral, !text.unicodeScalars.allSatisfy(\.isASCII) {
            return "'\(text)' mixes wildcards with non-ASCII text; udev's '?' and '[...]' match bytes, not characters"
        }
        return nil
    }

    /// The value in double quotes, as udev parses it: only `"` is escaped.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for character in text {
            if character == "\"" { result += "\\" }
            result.append(character)
        }
        return result + "\""
    }

    /// Match tokens for a list: its positives joined with `|`, its negations
    /// likewise after `!=`. An empty pattern can only stand alone: udev reads
    /// `"|a"` as "empty or a" only in some versions.
    static func tokens(_ key: String, _ list: PatternList) -> Result<[String], Refusal> {
        for pattern in list.patterns {
            if let problem = problem(with: pattern.glob) { return .failure(Refusal(problem)) }
        }
        var tokens: [String] = []
        for (globs, op) in [(list.positives, "=="), (list.negatives, "!=")] where !globs.isEmpty {
            if globs.count > 1, globs.contains(where: { $0.text.isEmpty }) {
                return .failure(Refusal("an empty pattern cannot be combined with others in a udev rule; write it as its own binding"))
            }
            tokens.append(key + op + quoted(globs.map(\.text).joined(separator: "|")))
        }
        return .success(tokens)
    }

    /// A reason a key cannot be expressed, before the file and key are known.
    struct Refusal: Error, Sendable, Equatable {
        var message: String
        init(_ message: String) { self.message = message }
    }
}
