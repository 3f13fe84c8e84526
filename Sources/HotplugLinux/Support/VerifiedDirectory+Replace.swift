import Glibc

/// Replacing a file in a verified directory whole, so that a reader (udevd
/// loading its rules) sees the old text or the new one, never half.
extension VerifiedDirectory {
    /// Writes `text` to a hidden temporary name in this directory, fsyncs
    /// it and renames it over `name`. The rename replaces the name itself,
    /// never what a symlink there points to; the temporary is created with
    /// O_EXCL | O_NOFOLLOW, so nothing already there is written through.
    func replaceFile(_ name: String, _ text: String, mode: mode_t) -> Result<Void, FileRefusal> {
        let temporary = ".\(name).\(getpid()).tmp"
        // Left by a crash of a daemon that had our pid: the name goes, not what it names.
        remove(temporary)
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
        guard let file = FileDescriptor(adopting: openat(descriptor.rawValue, temporary, flags, 0o600)) else {
            return .failure(FileRefusal("\(path)/\(temporary): \(errnoText())"))
        }
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { Glibc.write(file.rawValue, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                let reason = errnoText()
                remove(temporary)
                return .failure(FileRefusal("\(path)/\(temporary): write: \(reason)"))
            }
            bytes = bytes.dropFirst(count)
        }
        // The mode on the descriptor, whatever the umask; never by path.
        guard fchmod(file.rawValue, mode) == 0, fsync(file.rawValue) == 0 else {
            let reason = errnoText()
            remove(temporary)
            return .failure(FileRefusal("\(path)/\(temporary): \(reason)"))
        }
        file.close()
        guard renameat(descriptor.rawValue, temporary, descriptor.rawValue, name) == 0 else {
            let reason = errnoText()
            remove(temporary)
            return .failure(FileRefusal("\(path)/\(name): rename: \(reason)"))
        }
        return .success(())
    }
}
