import Glibc

/// Where a daemon keeps its child records: a directory it creates and
/// verifies itself, never the control socket's directory, which may be
/// shared with other daemons or writable by anyone.
struct RecordLocation: Sendable, Equatable {
    /// Created with `mode` when missing; must be owned by root or us and
    /// writable by nobody else.
    var path: String
    var mode: mode_t

    /// Root: /run/hotplugd, where the systemd unit's RuntimeDirectory= and
    /// ReadWritePaths= already point (0755: the default control socket lives
    /// there too). Anyone else: their own runtime directory, then
    /// /run/user/UID, then /tmp/hotplugd-UID (0700, and refused if someone
    /// else made it first).
    static func defaults(euid: uid_t = geteuid(), runtimeDirectory: String? = Self.environment("XDG_RUNTIME_DIR")) -> [RecordLocation] {
        if euid == 0 { return [RecordLocation(path: "/run/hotplugd", mode: 0o755)] }
        var paths: [String] = []
        if let runtimeDirectory, runtimeDirectory.hasPrefix("/") { paths.append(AbsolutePath.resolve(runtimeDirectory) + "/hotplugd") }
        for path in ["/run/user/\(euid)/hotplugd", "/tmp/hotplugd-\(euid)"] where !paths.contains(path) { paths.append(path) }
        return paths.map { RecordLocation(path: $0, mode: 0o700) }
    }

    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
