import Foundation

/// Two tests give a veth the real name gamelink0 (examples/gamelink.toml's
/// `[link]` on veth, and rules.d/70-gamelink.rules on udevd). They run in
/// different suites, so in parallel: this lock keeps them apart.
enum GamelinkInterfaceName {
    static let lock = NSLock()

    static func exclusively<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
