import Glibc

/// The one owner of an open file descriptor. Non-copyable, so exactly one
/// value holds a descriptor at a time and it is closed exactly once: when
/// the owner ends, or earlier by `close()`. Types that keep a descriptor
/// store one of these; nothing else in the shell calls close(2).
///
/// A double close cannot be written: `close()` consumes the owner, so the
/// compiler rejects any later use of it, and a copy that could be closed a
/// second time cannot be made. That matters more than it seems: a second
/// close(2) of a number closes whatever the kernel handed out under that
/// number since, often another part of the daemon's descriptor.
///
/// `rawValue` is for system calls made by the owning type itself, and is
/// internal so no number leaves this module; a raw number never travels to
/// another type (hand over the owner instead, or register it with `Epoll`
/// under a token).
public struct FileDescriptor: ~Copyable, Sendable {
    let rawValue: Int32

    /// Takes ownership of `rawValue`, which a system call just returned.
    /// Nil for a negative value, so a failed call cannot make an owner.
    public init?(adopting rawValue: Int32) {
        guard rawValue >= 0 else { return nil }
        self.rawValue = rawValue
    }

    /// Takes ownership of what a descriptor-returning system call gave back,
    /// or throws its errno (read at once, before anything can clobber it)
    /// with `operation` as the culprit.
    static func adopting(_ result: Int32, _ operation: @autoclosure () -> String) throws(SystemCallError) -> FileDescriptor {
        guard let descriptor = FileDescriptor(adopting: result) else {
            let failure = errno
            throw SystemCallError(operation(), errno: failure)
        }
        return descriptor
    }

    /// open(2) with O_CLOEXEC added, so no child ever inherits the file.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws(SystemCallError) -> FileDescriptor {
        try adopting(Glibc.open(path, flags | O_CLOEXEC, mode), "open \(path)")
    }

    deinit {
        // Linux releases the descriptor even when close() reports EINTR, so
        // it is deliberately not retried: a retry could close a descriptor
        // another thread has just been given.
        _ = Glibc.close(rawValue)
    }

    /// Closes now rather than when the owner would end.
    public consuming func close() {}
}
