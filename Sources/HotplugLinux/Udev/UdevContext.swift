import HotplugCore
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
        return SystemFiles.anyLine(of: "/proc/net/unix") { isListening(unixSocketLine: $0, path: controlSocket) } ?? true
    }

    /// Whether a /proc/net/unix line is a listening socket bound to exactly
    /// `path`. The line is "Num: RefCount Protocol Flags Type St Inode Path",
    /// the inode padded with spaces and the path after one space, as is:
    /// matching the suffix would let anyone's "/tmp/x /run/udev/control" pass.
    static func isListening(unixSocketLine line: Substring, path: String) -> Bool {
        var rest = line[...]
        var fields: [Substring] = []
        for _ in 0..<7 {
            rest = rest.drop { $0 == " " }
            let field = rest.prefix { $0 != " " }
            guard !field.isEmpty else { return false }
            fields.append(field)
            rest = rest.dropFirst(field.count)
        }
        guard rest.first == " " else { return false }
        // Flags 00010000 is __SO_ACCEPTCON: the socket listens.
        return rest.dropFirst() == Substring(path) && fields[3] == "00010000"
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
/// A device string from libudev as text: bytes that are not UTF-8 become
/// `\xNN` escapes (`DeviceText`), never U+FFFD, so two names that differ
/// only in them stay apart.
func udevString(_ pointer: UnsafePointer<CChar>?) -> String? {
    pointer.map { DeviceText.decode(udevBytes($0)).text }
}

/// The bytes of a device string from libudev, up to its NUL.
func udevBytes(_ pointer: UnsafePointer<CChar>) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer))
}
