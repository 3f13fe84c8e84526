import Glibc

/// The one owner of an open file descriptor. Non-copyable, so exactly one
/// value holds a descriptor at a time and it is closed exactly once: when
/// the owner ends, or earlier by `close()`. Types that keep a descriptor
/// store one of these; nothing else in the shell calls close(2).
///
/// `rawValue` is for system calls made by the owning type itself; a raw
/// number never travels to another type (hand over the owner instead, or
/// register it with `Epoll` under a token).
public struct FileDescriptor: ~Copyable {
    public let rawValue: Int32

    /// Takes ownership of `rawValue`, which a system call just returned.
    /// Nil for a negative value, so a failed call cannot make an owner.
    public init?(adopting rawValue: Int32) {
        guard rawValue >= 0 else { return nil }
        self.rawValue = rawValue
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
