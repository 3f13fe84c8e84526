import Foundation

/// A veth pair that exists for one test. Names start with a prefix unique to
/// the test plus random hex, so reused machines and parallel tests never
/// collide; `delete()` (also run on deinit) removes it on every exit path.
public final class VethPair: @unchecked Sendable {
    public let name: String
    public let peer: String
    private var deleted = false

    /// `prefix` is at most 6 bytes: the names stay within 15 bytes.
    public init(prefix: String) throws {
        let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 16)
        let suffix = String(repeating: "0", count: 8 - tag.count) + tag
        name = prefix + String(suffix.prefix(6))
        peer = "p" + String(suffix.prefix(6)) + "x"
        let result = try Shell.ip("link", "add", name, "type", "veth", "peer", "name", peer)
        guard result.status == 0 else { throw TestFailure("ip link add \(name) failed: \(result.stderr)") }
    }

    /// A unique name with the test's prefix, for interfaces created later.
    public static func uniqueName(prefix: String) -> String {
        let tag = String(UInt32.random(in: 0..<UInt32.max), radix: 16)
        return prefix + String((String(repeating: "0", count: 8 - tag.count) + tag).prefix(6))
    }

    /// Waits until udevd has processed the add of `name` (its database has
    /// ID_NET_DRIVER): until then udevd may still change the link, its MAC
    /// address among others (MACAddressPolicy=persistent). Returns at once
    /// where no udevd runs; false after `timeout` seconds.
    @discardableResult
    public func waitUntilUdevFinished(timeout: TimeInterval = 10) -> Bool {
        guard Udevd.answers() else { return true }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let info = try? Shell.run(["/bin/udevadm", "info", "--query=property", "/sys/class/net/" + name])
            if info?.stdout.contains("ID_NET_DRIVER=") == true { return true }
            usleep(20_000)
        }
        return false
    }

    public func delete() {
        guard !deleted else { return }
        deleted = true
        _ = try? Shell.ip("link", "del", name)
        _ = try? Shell.ip("link", "del", peer)
    }

    deinit { delete() }
}

/// Deletes interfaces by name prefix: the last line of defence after a test
/// that renamed its devices.
public func deleteInterfaces(withPrefix prefix: String) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/net") else { return }
    for name in names where name.hasPrefix(prefix) {
        _ = try? Shell.ip("link", "del", name)
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
