import Glibc
import HotplugCore

/// Reads the binding files behind `--config`: a directory (every `*.toml` in
/// name order) or one file. Unreadable files become diagnostics, so one run
/// still reports every problem.
public enum ConfigFiles {
    public static let defaultPath = "/etc/hotplugd"
    /// Binding files are small; a larger one is a mistake, not a config.
    static let maximumFileBytes = 1 << 20

    /// With `strict` (the default when running as root), files and the
    /// directory must belong to root (or to us) and not be writable by group
    /// or others, as sshd's StrictModes: a binding runs programs as root.
    public static func read(_ path: String, strict: Bool = geteuid() == 0) -> (sources: [ConfigSource], diagnostics: [ConfigDiagnostic]) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return ([], [ConfigDiagnostic(file: path, position: nil, message: "cannot read configuration: \(errnoText())")])
        }
        let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        // `--config dir/` and `--config dir/file.toml` are held to the same
        // rules: the directory that holds the files, then each file.
        let directory = isDirectory ? path : containingDirectory(path)
        if strict {
            var directoryInfo = stat()
            // A single file may sit in a sticky directory such as /tmp: no one
            // else can replace or remove it there. A whole directory may not,
            // since anyone could add a binding to it.
            if stat(directory, &directoryInfo) == 0, isDirectory || !isStickyAndRootOwned(directoryInfo),
               let problem = ownershipProblem(directoryInfo) {
                return ([], [ConfigDiagnostic(file: directory, position: nil, message: problem)])
            }
        }
        let paths: [String]
        if isDirectory {
            switch listTOMLFiles(path) {
            case .success(let names): paths = names.map { path.hasSuffix("/") ? path + $0 : path + "/" + $0 }
            case .failure(let diagnostic): return ([], [diagnostic])
            }
        } else {
            paths = [path]
        }
        var sources: [ConfigSource] = []
        var diagnostics: [ConfigDiagnostic] = []
        for file in paths {
            switch readText(file, strict: strict) {
            case .success(let text): sources.append(ConfigSource(path: file, text: text))
            case .failure(let diagnostic): diagnostics.append(diagnostic)
            }
        }
        return (sources, diagnostics)
    }

    static func isStickyAndRootOwned(_ info: stat) -> Bool {
        info.st_mode & S_ISVTX != 0 && info.st_uid == 0
    }

    /// The directory part of a path: "." for a bare file name.
    static func containingDirectory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func ownershipProblem(_ info: stat) -> String? {
        if info.st_uid != 0 && info.st_uid != geteuid() {
            return "refusing bindings owned by uid \(info.st_uid), not root: anyone who can edit them runs programs as root (chown root, or pass --allow-insecure-config)"
        }
        if info.st_mode & 0o022 != 0 {
            let mode = String(info.st_mode & 0o7777, radix: 8)
            return "refusing bindings writable by group or others (mode \(mode)): anyone who can edit them runs programs as root (chmod go-w, or pass --allow-insecure-config)"
        }
        return nil
    }

    /// Reads and validates in one step.
    public static func load(_ path: String, strict: Bool = geteuid() == 0) -> Result<Configuration, ConfigErrors> {
        let (sources, readProblems) = read(path, strict: strict)
        switch ConfigLoader.load(sources) {
        case .success(let configuration):
            return readProblems.isEmpty ? .success(configuration) : .failure(ConfigErrors(readProblems))
        case .failure(let errors):
            return .failure(ConfigErrors(readProblems + errors.diagnostics))
        }
    }

    static func listTOMLFiles(_ directory: String) -> Result<[String], ConfigDiagnostic> {
        guard let all = SystemFiles.entries(of: directory) else {
            return .failure(ConfigDiagnostic(file: directory, position: nil, message: "cannot list directory: \(errnoText())"))
        }
        let names = all.filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }
        return .success(names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }

    /// Only regular files are read: the open does not wait (O_NONBLOCK: a
    /// FIFO named x.toml would hang `check` and `reload`), and the checks
    /// are made on what was opened (fstat), not on the name.
    static func readText(_ path: String, strict: Bool = false) -> Result<String, ConfigDiagnostic> {
        do throws(SystemCallError) {
            // Closed when this scope ends, on every return of readText(from:).
            let file = try FileDescriptor.open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY)
            return readText(from: file, path, strict: strict)
        } catch {
            return .failure(ConfigDiagnostic(file: path, position: nil, message: "cannot read: \(errnoText(error.errno))"))
        }
    }

    private static func readText(from file: borrowing FileDescriptor, _ path: String, strict: Bool) -> Result<String, ConfigDiagnostic> {
        var info = stat()
        guard fstat(file.rawValue, &info) == 0 else {
            return .failure(ConfigDiagnostic(file: path, position: nil, message: "cannot read: \(errnoText())"))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            return .failure(ConfigDiagnostic(file: path, position: nil, message: "not a regular file (\(fileKind(info.st_mode))); only regular files are read as bindings"))
        }
        if strict, let problem = ownershipProblem(info) {
            return .failure(ConfigDiagnostic(file: path, position: nil, message: problem))
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(file.rawValue, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(ConfigDiagnostic(file: path, position: nil, message: "cannot read: \(errnoText())"))
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
            if bytes.count > maximumFileBytes {
                return .failure(ConfigDiagnostic(file: path, position: nil, message: "file is larger than \(maximumFileBytes) bytes; a binding file is a few lines"))
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(ConfigDiagnostic(file: path, position: nil, message: "file is not valid UTF-8, as TOML requires"))
        }
        return .success(text)
    }

    static func fileKind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "not a plain file"
        }
    }
}
