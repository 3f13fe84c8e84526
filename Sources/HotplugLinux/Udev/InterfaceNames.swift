import Glibc

/// The interface names present now, from /sys/class/net, to allocate `{n}`.
public enum InterfaceNames {
    public static func present() -> Set<String> {
        Set(SystemFiles.entries(of: "/sys/class/net") ?? [])
    }

    /// The kernel's name for the interface with this index now; nil when
    /// there is none (the interface is gone) or it is not valid UTF-8.
    public static func current(ofIndex index: Int32) -> String? {
        guard index > 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        guard if_indextoname(UInt32(index), &buffer) != nil else { return nil }
        return String(validatingCString: buffer)
    }
}
