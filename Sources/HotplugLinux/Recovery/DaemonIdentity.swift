/// Which daemon a child record belongs to. A daemon is known by its control
/// socket: while one answers on it, a second refuses to start there, so a
/// socket path names at most one live daemon, and the same daemon again
/// after a restart. The config path is left out on purpose: a daemon
/// restarted on the same socket with another `--config` must still stop the
/// children its predecessor left, or a device would end up with two. Only a
/// daemon without a socket is known by its config path.
struct DaemonIdentity: Sendable, Equatable {
    /// What the identity is made of, e.g. `socket /run/hotplugd/control.sock`.
    let name: String
    /// A hash of `name`, 16 hex digits: the name of the daemon's record
    /// directory, and repeated in each record.
    let key: String

    init(socketPath: String?, configPath: String) {
        name = socketPath.map { "socket " + AbsolutePath.canonical($0) } ?? "config " + AbsolutePath.canonical(configPath)
        key = Self.hash(name)
    }

    /// FNV-1a: stable across runs and builds, unlike Hasher. Not a defence
    /// against forgery: nobody else can write in the directory it names.
    static func hash(_ text: String) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01b3
        }
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
