import Foundation

/// A network namespace that exists for one test, with its own interfaces,
/// nftables and iptables rules: whatever the test does to them (even `nft
/// flush ruleset`) never reaches the host. The name has a prefix unique to
/// the test plus random hex; `delete()` (also on deinit) kills what still
/// runs in it, by pid, and removes it with everything inside.
public final class NetworkNamespace: @unchecked Sendable {
    public let name: String
    private var deleted = false

    public init(prefix: String) throws {
        name = VethPair.uniqueName(prefix: prefix)
        let result = try Shell.ip("netns", "add", name)
        guard result.status == 0 else { throw TestFailure("ip netns add \(name) failed: \(result.stderr)") }
        try run("/sbin/ip", "link", "set", "lo", "up")
    }

    /// `argv` inside the namespace (`ip netns exec`, which also gives it a
    /// /sys of the namespace's own interfaces).
    @discardableResult
    public func run(_ argv: String...) throws -> Shell.Output { try run(argv) }

    @discardableResult
    public func run(_ argv: [String]) throws -> Shell.Output {
        try Shell.run(["/sbin/ip", "netns", "exec", name] + argv)
    }

    /// The prefix that makes `RunningProcess` start a program inside.
    public var exec: [String] { ["/sbin/ip", "netns", "exec", name] }

    public func delete() {
        guard !deleted else { return }
        deleted = true
        if let pids = try? Shell.ip("netns", "pids", name) {
            for pid in pids.stdout.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
        }
        _ = try? Shell.ip("netns", "del", name)
    }

    deinit { delete() }
}
