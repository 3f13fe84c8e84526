import Glibc

/// Why a spawn failed, with the errno of the failing call. Failures inside
/// the child (credential changes, chdir, execve) are reported back through a
/// pipe, so they surface here instead of as an anonymous exit status 127.
///
/// Descriptions look like "exec /usr/bin/nope: No such file or directory" or
/// "setuid(1000): Operation not permitted".
public struct SpawnError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Stage: String, Sendable, Equatable {
        /// argv/environment rejected before anything was started (NUL bytes, size).
        case arguments
        /// argv[0] not found in PATH.
        case resolve
        /// `user` unknown.
        case user
        /// `group` unknown.
        case group
        case setgroups
        case setgid
        case setuid
        case chdir
        case exec
        case fork
        /// Creating the output or error-report pipes.
        case pipe
        /// Opening /dev/null for the child's stdin.
        case stdin
        /// setsid() in the child.
        case session
        /// dup2() of the standard descriptors in the child.
        case redirect
        /// Resetting the signal mask in the child.
        case signals
        /// Taking a descriptor table of the child's own (close_range or unshare).
        case descriptors
        /// The child's failure report could not be decoded.
        case report
    }

    public var stage: Stage
    /// 0 when the failure was not a system call (e.g. a NUL byte in argv).
    public var errno: Int32
    /// What was attempted, e.g. "exec /usr/bin/nope" or "setuid(1000)".
    public var detail: String

    public init(stage: Stage, errno: Int32, detail: String) {
        self.stage = stage
        self.errno = errno
        self.detail = detail
    }

    public var description: String {
        errno == 0 ? detail : "\(detail): \(SystemCallError.message(for: errno))"
    }
}
