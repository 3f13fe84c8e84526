import Glibc

/// Files in a verified directory, always by name relative to its descriptor
/// and never through a symlink.
extension VerifiedDirectory {
    /// The names in the directory. Listed through /proc/self/fd, which
    /// reopens this very directory rather than looking its path up again.
    func names() -> [String]? {
        SystemFiles.entries(of: "/proc/self/fd/\(descriptor.rawValue)")
    }

    /// Writes a new file, mode 0600. Something already under the name (left
    /// over, or a symlink) is removed first, never written through. Nil on
    /// success; otherwise why, and nothing is left under the name (a full
    /// disk must not leave an empty or torn file that reads as something).
    @discardableResult
    func writeNewFile(_ name: String, _ text: String) -> String? {
        var created = createExclusively(name)
        if created == nil, errno == EEXIST, remove(name) { created = createExclusively(name) }
        guard let file = created else { return "cannot create \(path)/\(name): \(errnoText())" }
        if let failure = Self.write(text, to: file) {
            remove(name)
            return "cannot write \(path)/\(name): \(failure)"
        }
        return nil
    }

    private func createExclusively(_ name: String) -> FileDescriptor? {
        FileDescriptor(adopting: openat(descriptor.rawValue, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600))
    }

    private static func write(_ text: String, to file: borrowing FileDescriptor) -> String? {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { Glibc.write(file.rawValue, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return count == 0 ? "nothing written" : errnoText() }
            bytes = bytes.dropFirst(count)
        }
        return nil
    }

    /// A file we wrote: a regular file owned by our uid, writable by nobody
    /// else, with no other name. Anything else is refused with the reason.
    func readOwnFile(_ name: String, limit: Int) -> Result<String, FileRefusal> {
        // O_NONBLOCK: a FIFO under the name must not hang the daemon.
        let flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
        guard let file = FileDescriptor(adopting: openat(descriptor.rawValue, name, flags)) else {
            return .failure(FileRefusal(errno == ELOOP ? "a symlink" : errnoText()))
        }
        var info = stat()
        guard fstat(file.rawValue, &info) == 0 else { return .failure(FileRefusal(errnoText())) }
        guard info.st_mode & S_IFMT == S_IFREG else { return .failure(FileRefusal("not a regular file")) }
        guard info.st_uid == geteuid() else { return .failure(FileRefusal("owned by uid \(info.st_uid), not by us")) }
        guard info.st_mode & 0o022 == 0 else { return .failure(FileRefusal("writable by group or others")) }
        guard info.st_nlink == 1 else { return .failure(FileRefusal("has \(info.st_nlink) names")) }
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var total = 0
        while total < bytes.count {
            let count = bytes.withUnsafeMutableBytes { read(file.rawValue, $0.baseAddress! + total, $0.count - total) }
            if count < 0, errno == EINTR { continue }
            if count < 0 { return .failure(FileRefusal(errnoText())) }
            if count == 0 { break }
            total += count
        }
        guard total <= limit else { return .failure(FileRefusal("longer than \(limit) bytes")) }
        return .success(String(decoding: bytes[..<total], as: UTF8.self))
    }

    /// When the file under `name` (not followed) was last written.
    func modificationTime(_ name: String) -> timespec? {
        var info = stat()
        guard fstatat(descriptor.rawValue, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        return info.st_mtim
    }

    /// Removes the name itself (a symlink is removed, not what it points to).
    @discardableResult
    func remove(_ name: String) -> Bool {
        unlinkat(descriptor.rawValue, name, 0) == 0 || errno == ENOENT
    }

    /// Removes the empty subdirectory `name`; false when it is not empty.
    @discardableResult
    func removeDirectory(_ name: String) -> Bool {
        unlinkat(descriptor.rawValue, name, AT_REMOVEDIR) == 0
    }
}

/// Why a file in a verified directory was not trusted.
struct FileRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
