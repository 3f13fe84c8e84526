import Glibc

/// The interface names present now, from /sys/class/net, to allocate `{n}`.
public enum InterfaceNames {
    public static func present() -> Set<String> {
        Set(SystemFiles.entries(of: "/sys/class/net") ?? [])
    }

    /// The kernel's name for the interface with this index now, as its
    /// bytes (any but `/`, NUL and whitespace); nil when there is none (the
    /// interface is gone).
    public static func current(ofIndex index: Int32) -> [UInt8]? {
        guard index > 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        guard if_indextoname(UInt32(index), &buffer) != nil else { return nil }
        return buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    }
}
