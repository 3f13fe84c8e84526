import Glibc

/// Which descriptors cross execve(). Everything hotplugd opens is
/// close-on-exec; for a re-exec exactly the descriptors the state names
/// have the flag cleared, and get it back in the new image once adopted
/// (or in the old one, if the exec fails).
enum ReexecDescriptors {
    /// Clears (or sets again) FD_CLOEXEC on each; the first failure's errno.
    static func keepAcrossExec(_ numbers: [Int32], _ keep: Bool) -> Int32? {
        for number in numbers where fcntl(number, F_SETFD, keep ? 0 : FD_CLOEXEC) != 0 { return errno }
        return nil
    }

    /// Closes every descriptor above stderr left open across the exec (not
    /// close-on-exec) and not in `keeping`: what a refused state named, or
    /// what an unknown parent leaked to us.
    static func closeInherited(keeping: Set<Int32>) {
        guard let names = SystemFiles.entries(of: "/proc/self/fd") else { return }
        for name in names {
            guard let number = Int32(name), number > 2, !keeping.contains(number) else { continue }
            let flags = fcntl(number, F_GETFD)
            if flags >= 0, flags & FD_CLOEXEC == 0 { _ = FileDescriptor(adopting: number) }
        }
    }
}
