import Glibc

/// The interface names present now, from /sys/class/net, to allocate `{n}`.
public enum InterfaceNames {
    public static func present() -> Set<String> {
        Set(SystemFiles.entries(of: "/sys/class/net") ?? [])
    }
}
