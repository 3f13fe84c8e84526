import Glibc

/// A failed system call: which operation (with enough context to find the
/// culprit in a log) and the errno it returned.
///
/// Description example: `epoll_ctl(ADD fd 7): Bad file descriptor`.
public struct SystemCallError: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    public var errno: Int32

    public init(_ operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    public var description: String {
        "\(operation): \(SystemCallError.message(for: errno))"
    }
}

extension SystemCallError {
    /// strerror() text for an errno value. glibc's strerror returns static
    /// text for known values and a thread-local buffer for unknown ones, so it
    /// is safe to call from any thread.
    static func message(for errorNumber: Int32) -> String {
        errnoText(errorNumber)
    }
}
