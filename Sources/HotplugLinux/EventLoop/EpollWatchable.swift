/// Something `Epoll` can watch: the owner of one descriptor. Epoll borrows
/// the descriptor for the length of one epoll_ctl call, so its number never
/// leaves the owner and the epoll instance, and an owner that has closed
/// its descriptor cannot be registered by mistake.
public protocol EpollWatchable: ~Copyable {
    func withWatchedDescriptor<Result>(
        _ body: (borrowing FileDescriptor) throws(SystemCallError) -> Result
    ) throws(SystemCallError) -> Result
}

extension FileDescriptor: EpollWatchable {
    public func withWatchedDescriptor<Result>(
        _ body: (borrowing FileDescriptor) throws(SystemCallError) -> Result
    ) throws(SystemCallError) -> Result {
        try body(self)
    }
}
