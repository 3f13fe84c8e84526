import Glibc

/// The interface names present now, from /sys/class/net, to allocate `{n}`.
public enum InterfaceNames {
    public static func present() -> Set<String> {
        guard let handle = opendir("/sys/class/net") else { return [] }
        defer { closedir(handle) }
        var names = Set<String>()
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.insert(name) }
        }
        return names
    }
}
