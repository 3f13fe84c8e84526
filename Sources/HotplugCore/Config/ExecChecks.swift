/// What `check` can know about `[exec]` before a child starts: strings that
/// execve(2) cannot carry, so the spawn would fail at every plug.
enum ExecChecks {
    /// Linux's MAX_ARG_STRLEN: one argument or one NAME=value string,
    /// terminating NUL included, is at most 32 pages.
    static let maximumStringBytes = 32 * 4096

    /// Problems with the argv elements and environment values, each at its
    /// position. Placeholders expand at plug time, so only the text written
    /// in the file is measured: a string already too long stays too long.
    static func problems(command: [(String, SourcePosition)], environment: TOMLTable?,
                         at place: (SourcePosition, String) -> ConfigDiagnostic) -> [ConfigDiagnostic] {
        var found: [ConfigDiagnostic] = []
        for (index, (text, position)) in command.enumerated() {
            if let problem = stringProblem(text, what: index == 0 ? "the program" : "argument \(index)", extra: 0) {
                found.append(place(position, problem))
            }
        }
        for entry in environment?.entries ?? [] {
            guard case .string(let text) = entry.node.value else { continue }
            // The kernel counts "NAME=value" and its NUL.
            if let problem = stringProblem(text, what: "the value of \(entry.key)", extra: entry.key.utf8.count + 1) {
                found.append(place(entry.node.position, problem))
            }
        }
        return found
    }

    static func stringProblem(_ text: String, what: String, extra: Int) -> String? {
        if text.utf8.contains(0) {
            return "\(what) contains a NUL character, which cannot be passed to a program (execve ends each string at NUL)"
        }
        let bytes = text.utf8.count + extra + 1
        if bytes > maximumStringBytes {
            return "\(what) is \(bytes) bytes, over the kernel's limit of \(maximumStringBytes) for one argument or environment string (MAX_ARG_STRLEN)"
        }
        return nil
    }
}
