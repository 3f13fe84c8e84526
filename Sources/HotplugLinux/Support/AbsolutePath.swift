import Glibc

/// Paths the daemon is given may be relative to wherever it was started;
/// what it records and logs must not depend on that.
public enum AbsolutePath {
    /// `path` against the working directory, with `.`, `..` and repeated
    /// slashes folded away by spelling alone (no lookups).
    public static func resolve(_ path: String) -> String {
        var base = ""
        if !path.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            if getcwd(&buffer, buffer.count) != nil {
                base = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        var parts: [Substring] = []
        for part in (base + "/" + path).split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// One spelling for one file, for identities: the directory part with
    /// symlinks resolved when it exists (the file itself, a socket, may not
    /// exist yet), then the last name as given.
    static func canonical(_ path: String) -> String {
        let absolute = resolve(path)
        guard let slash = absolute.lastIndex(of: "/"), absolute != "/" else { return absolute }
        let parent = slash == absolute.startIndex ? "/" : String(absolute[..<slash])
        guard let resolved = realpath(parent, nil) else { return absolute }
        defer { free(resolved) }
        let directory = String(cString: resolved)
        return (directory == "/" ? "" : directory) + String(absolute[slash...])
    }
}
