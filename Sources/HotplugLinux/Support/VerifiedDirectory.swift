import Glibc

/// A directory root may keep private state in, opened so that nobody else
/// can redirect what is written there: every component from `/` is opened
/// relative to the one above it with O_NOFOLLOW (a symlink anywhere on the
/// way is refused, not followed), and each is checked with fstat on the
/// open descriptor, so the check and the use are the same inode. Names are
/// then opened relative to `descriptor`, never by path.
final class VerifiedDirectory {
    let path: String
    let descriptor: FileDescriptor

    private init(path: String, descriptor: consuming FileDescriptor) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Opens the absolute `path`, creating its last component with `mode`
    /// when it is missing. Every directory above it must be owned by root or
    /// us, and writable by others only when sticky (as /tmp is), where others
    /// cannot rename our entries; the directory itself must be owned by root
    /// or us and writable by nobody else, unless `mayBeSticky` lets it be
    /// shared as the ones above may (a control socket in /tmp: nobody else
    /// can rename or remove a name root made there).
    static func open(_ path: String, creatingWith mode: mode_t, mayBeSticky: Bool = false) throws(DirectoryRefusal) -> VerifiedDirectory {
        let names = path.split(separator: "/").map(String.init)
        guard path.hasPrefix("/"), !names.isEmpty, !names.contains("."), !names.contains("..") else {
            throw DirectoryRefusal(path: path, reason: "not a plain absolute path")
        }
        guard var current = FileDescriptor(adopting: Glibc.open("/", pathOnly | O_DIRECTORY | O_CLOEXEC)) else {
            throw DirectoryRefusal(path: "/", reason: errnoText())
        }
        try check(current, path: "/", shared: true)
        var walked = ""
        for (index, name) in names.enumerated() {
            walked += "/" + name
            let isLast = index == names.count - 1
            let next = try openEntry(name, in: current, path: walked, creatingWith: isLast ? mode : nil)
            try check(next, path: walked, shared: !isLast || mayBeSticky)
            current = next
        }
        return VerifiedDirectory(path: walked, descriptor: current)
    }

    /// The entry `name` of this directory, created with `mode` when missing,
    /// held to the same rules as the directory itself.
    func subdirectory(_ name: String, creatingWith mode: mode_t) throws(DirectoryRefusal) -> VerifiedDirectory {
        let path = self.path + "/" + name
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw DirectoryRefusal(path: path, reason: "not a plain name")
        }
        let opened = try Self.openEntry(name, in: descriptor, path: path, creatingWith: mode)
        try Self.check(opened, path: path, shared: false)
        return VerifiedDirectory(path: path, descriptor: opened)
    }

    /// O_PATH is hidden behind _GNU_SOURCE in the headers Swift imports.
    /// Directories above ours are opened with it: walking through them needs
    /// search permission only, as path lookup does.
    private static let pathOnly: Int32 = 0o10000000

    private static func openEntry(_ name: String, in parent: borrowing FileDescriptor, path: String,
                                  creatingWith mode: mode_t?) throws(DirectoryRefusal) -> FileDescriptor {
        let flags = (mode == nil ? pathOnly : O_RDONLY) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
        if let opened = FileDescriptor(adopting: openat(parent.rawValue, name, flags)) { return opened }
        var failure = errno
        if failure == ENOENT, let mode {
            if mkdirat(parent.rawValue, name, mode) == 0 || errno == EEXIST {
                if let opened = FileDescriptor(adopting: openat(parent.rawValue, name, flags)) { return opened }
            }
            failure = errno
        }
        // O_NOFOLLOW with O_DIRECTORY fails with ELOOP or ENOTDIR on a symlink.
        let reason = failure == ELOOP || failure == ENOTDIR ? "a symlink or not a directory" : errnoText(failure)
        throw DirectoryRefusal(path: path, reason: reason)
    }

    private static func check(_ directory: borrowing FileDescriptor, path: String, shared: Bool) throws(DirectoryRefusal) {
        var info = stat()
        guard fstat(directory.rawValue, &info) == 0 else { throw DirectoryRefusal(path: path, reason: errnoText()) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw DirectoryRefusal(path: path, reason: "not a directory") }
        guard info.st_uid == 0 || info.st_uid == geteuid() else {
            throw DirectoryRefusal(path: path, reason: "owned by uid \(info.st_uid), not by root or uid \(geteuid())")
        }
        let writableByOthers = info.st_mode & 0o022 != 0
        guard writableByOthers else { return }
        guard shared else {
            throw DirectoryRefusal(path: path, reason: "writable by group or others (mode \(String(info.st_mode & 0o7777, radix: 8)))")
        }
        guard info.st_mode & S_ISVTX != 0 else {
            throw DirectoryRefusal(path: path, reason: "writable by group or others and not sticky (mode \(String(info.st_mode & 0o7777, radix: 8)))")
        }
    }
}

/// Why a directory was not trusted with the daemon's state.
struct DirectoryRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "\(path): \(reason)" }
}
