import Glibc

/// A `sockaddr_un`: a filesystem path, or a name in the abstract namespace
/// (systemd's `@name` in `$NOTIFY_SOCKET`). Refused when it does not fit.
struct UnixSocketAddress {
    var storage = sockaddr_un()
    /// The bytes of `storage` that count: an abstract name is every byte up
    /// to this length, NULs included, so it cannot be the whole struct.
    private var length = socklen_t(MemoryLayout<sockaddr_un>.size)

    init?(path: String) {
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity, !bytes.contains(0) else { return nil }
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
    }

    /// An abstract address: `name` without the leading NUL that marks it.
    init?(abstractName name: [UInt8]) {
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        guard !name.isEmpty, name.count < capacity else { return nil }
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            raw[0] = 0
            for (index, byte) in name.enumerated() { raw[index + 1] = byte }
        }
        length = socklen_t(MemoryLayout<sa_family_t>.size + 1 + name.count)
    }

    /// `$NOTIFY_SOCKET` as sd_notify(3) reads it: an absolute path, or `@`
    /// and an abstract name. Nil for anything else (a relative path, or
    /// `vsock:`, which hotplugd does not speak).
    init?(notifySocket value: String) {
        let bytes = Array(value.utf8)
        switch bytes.first {
        case UInt8(ascii: "/"): self.init(path: value)
        case UInt8(ascii: "@"): self.init(abstractName: Array(bytes.dropFirst()))
        default: return nil
        }
    }

    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var copy = storage
        return withUnsafePointer(to: &copy) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}

public struct ControlSocketError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
