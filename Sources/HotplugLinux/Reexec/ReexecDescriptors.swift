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

    /// Closes those of `handed` (the numbers the old image cleared
    /// close-on-exec on, as `ReexecExec.descriptorsVariable` lists them)
    /// that are still open across the exec and not in `keeping`: what a
    /// refused state named. Nothing else: a descriptor the daemon inherited
    /// from whoever started it (a supervisor's socket, a test harness's
    /// exit watch) stayed open in the old image and stays open in this one.
    static func closeHanded(_ handed: Set<Int32>, keeping: Set<Int32>) {
        for number in handed where number > 2 && !keeping.contains(number) {
            let flags = fcntl(number, F_GETFD)
            if flags >= 0, flags & FD_CLOEXEC == 0 { _ = FileDescriptor(adopting: number) }
        }
    }

    /// The list `ReexecExec.exec` puts in the environment; nil when it is
    /// not one (then nothing is closed: unknown numbers are not ours).
    static func parseHanded(_ text: String) -> Set<Int32>? {
        guard text.utf8.count <= 1 << 20 else { return nil }
        var result: Set<Int32> = []
        for word in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let number = Int32(word), number > 2 else { return nil }
            result.insert(number)
        }
        return result
    }
}
