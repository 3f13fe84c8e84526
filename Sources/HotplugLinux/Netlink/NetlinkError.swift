import Glibc

/// A failed rtnetlink operation: what was attempted, the errno the kernel (or
/// the socket layer) reported, and the kernel's extended-ack text if it sent one.
public struct NetlinkError: Error, Sendable, CustomStringConvertible {
    /// What was being attempted, phrased for a log line, e.g. "rename eth3 to gamelink0".
    public var operation: String
    public var errno: Int32
    /// Extra context: the kernel's extended-ack message or a local reason
    /// (e.g. why a name is invalid). Not part of the errno text.
    public var detail: String?

    public init(operation: String, errno: Int32, detail: String? = nil) {
        self.operation = operation
        self.errno = errno
        self.detail = detail
    }

    /// The kernel did not answer in time (or the time for the whole
    /// operation had run out before the request was sent).
    public var isTimeout: Bool { errno == ETIMEDOUT }

    /// "rename veth0 to x: File exists", with the detail in parentheses when present.
    public var description: String {
        var text = "\(operation): \(Self.errorText(errno))"
        if let detail, !detail.isEmpty {
            text += " (\(detail))"
        }
        return text
    }

    private static func errorText(_ code: Int32) -> String {
        errnoText(code)
    }
}

/// Data from the kernel that does not have the shape the netlink ABI promises.
/// Internal: callers see it as a NetlinkError with EBADMSG.
struct NetlinkDecodingError: Error, Sendable, Equatable {
    var reason: String

    func asNetlinkError(operation: String) -> NetlinkError {
        NetlinkError(operation: operation, errno: EBADMSG, detail: "malformed netlink reply: \(reason)")
    }
}
