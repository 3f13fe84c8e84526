import Glibc

/// Paths the daemon is given may be relative to wherever it was started;
/// what it records and logs must not depend on that.
public enum AbsolutePath {
    /// An absolute path as given; a relative one prefixed with the working
    /// directory, so that it names the same file wherever it is read later.
    public static func anchored(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let directory = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (directory == "/" ? "" : directory) + "/" + path
    }

    /// `path` against the working directory, with `.`, `..` and repeated
    /// slashes folded away by spelling alone (no lookups).
    static func resolve(_ path: String) -> String {
        var parts: [Substring] = []
        for part in anchored(path).split(separator: "/") {
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
