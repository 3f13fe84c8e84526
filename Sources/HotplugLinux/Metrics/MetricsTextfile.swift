import Glibc

/// The file node_exporter's textfile collector reads (`*.prom` in its
/// `--collector.textfile.directory`), replaced whole on every write so a
/// scrape never sees half of it: the text goes to a temporary name in the
/// same directory, is fsynced, and is renamed over the file.
///
/// hotplugd runs as root and the directory is the administrator's choice,
/// so nobody may steer the write elsewhere: the path is walked from `/`
/// one component at a time with O_NOFOLLOW (a symlink anywhere is
/// refused), each directory on the way must be writable by others only
/// when sticky, the temporary file is created with O_EXCL | O_NOFOLLOW
/// (never opened if something is there), and the rename replaces the
/// name itself, never what a symlink there points to. Ownership is not
/// required to be root's: Debian's /var/lib/prometheus belongs to the
/// prometheus user, who could at most swap in a directory of its own.
final class MetricsTextfile {
    let path: String
    let directoryPath: String
    let name: String

    /// Checks the directory now, so a bad path stops the daemon at start.
    init(path: String) throws(MetricsTextfileError) {
        guard path.hasPrefix("/"), let slash = path.lastIndex(of: "/") else {
            throw MetricsTextfileError(path, "not an absolute path")
        }
        let name = String(path[path.index(after: slash)...])
        guard !name.isEmpty, name != ".", name != ".." else { throw MetricsTextfileError(path, "names no file") }
        self.path = path
        self.name = name
        directoryPath = slash == path.startIndex ? "/" : String(path[..<slash])
        _ = try openDirectory()
    }

    /// The temporary name: hidden and not `*.prom`, so the collector skips
    /// it, and with 64 random bits, so nobody who can write the directory
    /// can plant something under it beforehand (a directory there would
    /// stop every update).
    var temporaryName: String { ".\(name).\(Self.randomHex()).tmp" }

    /// Tries for a free temporary name before giving up on this write.
    static let temporaryNameTries = 4

    /// SystemRandomNumberGenerator reads getrandom(2) on Linux.
    static func randomHex() -> String {
        let value = UInt64.random(in: .min ... .max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    func write(_ text: String) throws(MetricsTextfileError) {
        let directory = try openDirectory()
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
        var temporary = temporaryName
        var created = FileDescriptor(adopting: openat(directory.rawValue, temporary, flags, 0o644))
        var tries = 1
        while created == nil, errno == EEXIST, tries < Self.temporaryNameTries {
            // Taken (by chance, or planted): another name, never that one.
            temporary = temporaryName
            created = FileDescriptor(adopting: openat(directory.rawValue, temporary, flags, 0o644))
            tries += 1
        }
        guard let file = created else { throw MetricsTextfileError(directoryPath + "/" + temporary, errnoText()) }
        do throws(MetricsTextfileError) {
            try Self.writeAll(text, to: file, path)
            // Readable by node_exporter's user whatever our umask.
            guard fchmod(file.rawValue, 0o644) == 0 else { throw MetricsTextfileError(path, "fchmod: \(errnoText())") }
            guard fsync(file.rawValue) == 0 else { throw MetricsTextfileError(path, "fsync: \(errnoText())") }
            file.close()
            guard renameat(directory.rawValue, temporary, directory.rawValue, name) == 0 else {
                throw MetricsTextfileError(path, "rename: \(errnoText())")
            }
        } catch {
            unlinkat(directory.rawValue, temporary, 0)
            throw error
        }
        // The rename itself on disk; failing here loses nothing a scrape sees.
        _ = fsync(directory.rawValue)
    }

    private static func writeAll(_ text: String, to file: borrowing FileDescriptor, _ path: String) throws(MetricsTextfileError) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { Glibc.write(file.rawValue, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw MetricsTextfileError(path, "write: \(errnoText())") }
            bytes = bytes.dropFirst(count)
        }
    }

    /// O_PATH (search only) is hidden behind _GNU_SOURCE in Swift's Glibc.
    private static let pathOnly: Int32 = 0o10000000

    /// The directory, opened component by component from `/`.
    private func openDirectory() throws(MetricsTextfileError) -> FileDescriptor {
        let names = directoryPath.split(separator: "/").map(String.init)
        guard !names.contains("."), !names.contains("..") else {
            throw MetricsTextfileError(directoryPath, "not a plain absolute path (. or ..)")
        }
        let rootFlags = (names.isEmpty ? O_RDONLY : Self.pathOnly) | O_DIRECTORY | O_CLOEXEC
        guard var current = FileDescriptor(adopting: open("/", rootFlags)) else { throw MetricsTextfileError("/", errnoText()) }
        try Self.check(current, "/")
        var walked = ""
        for (index, name) in names.enumerated() {
            walked += "/" + name
            // The directory itself is opened for reading, to fsync it.
            let access = index == names.count - 1 ? O_RDONLY : Self.pathOnly
            guard let next = FileDescriptor(adopting: openat(current.rawValue, name, access | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) else {
                let failure = errno
                throw MetricsTextfileError(walked, failure == ELOOP || failure == ENOTDIR ? "a symlink or not a directory" : errnoText(failure))
            }
            try Self.check(next, walked)
            current = next
        }
        return current
    }

    private static func check(_ directory: borrowing FileDescriptor, _ path: String) throws(MetricsTextfileError) {
        var info = stat()
        guard fstat(directory.rawValue, &info) == 0 else { throw MetricsTextfileError(path, errnoText()) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw MetricsTextfileError(path, "not a directory") }
        if info.st_mode & 0o002 != 0 && info.st_mode & S_ISVTX == 0 {
            throw MetricsTextfileError(path, "writable by anyone and not sticky (mode \(String(info.st_mode & 0o7777, radix: 8)))")
        }
    }
}

public struct MetricsTextfileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    init(_ path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
