import CUdev
import Glibc

/// Owns one `struct udev *`. Every other udev object is made from it and
/// keeps it alive through libudev's own reference.
public final class UdevContext {
    let pointer: OpaquePointer

    public init() throws(UdevError) {
        guard let pointer = udev_new() else { throw UdevError(operation: "udev_new", errno: errno) }
        self.pointer = pointer
    }

    deinit { udev_unref(pointer) }

    /// Whether udevd runs here, and in our network namespace, where its
    /// broadcasts reach us. Its control socket file alone is no proof: a
    /// udevd that was killed leaves it behind. A listening socket bound to
    /// that path in /proc/net/unix is; the file is the fallback where /proc
    /// cannot be read.
    public static var udevdIsRunning: Bool {
        guard controlSocketExists else { return false }
        return SystemFiles.anyLine(of: "/proc/net/unix") { $0.hasSuffix(" " + controlSocket) } ?? true
    }

    public static let controlSocket = "/run/udev/control"
    public static var controlSocketExists: Bool { access(controlSocket, F_OK) == 0 }
}

public struct UdevError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var errno: Int32

    public init(operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    public var description: String { "\(operation): \(errnoText(self.errno))" }
}

/// Reads a C string libudev lent us; nil stays nil.
@inline(__always)
func udevString(_ pointer: UnsafePointer<CChar>?) -> String? {
    pointer.map { String(cString: $0) }
}
