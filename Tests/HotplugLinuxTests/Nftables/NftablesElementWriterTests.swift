import Foundation
import Glibc
import HotplugCore
import TestSupport
import Testing
@testable import HotplugLinux

/// The map elements written as nfnetlink messages against the real kernel:
/// the table ends up as nft leaves it for the same commands, a refused
/// batch changes nothing. Each test runs on a thread of its own in a
/// network namespace of its own (unshare affects that thread only), so
/// nothing touches the machine's tables; the namespace goes with the
/// thread and its sockets.
@Suite(.needsRoot)
struct NftablesElementWriterTests {
    static let bindings: [String: FirewallSettings] = [
        "a": FirewallSettings(input: .restrict, allowTCP: [PortRange(22, 22)!]),
        "b": FirewallSettings(forward: .restrict),
    ]

    /// Runs `body` in a fresh network namespace on a thread of its own and
    /// hands back what it returned.
    static func inOwnNamespace<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        let outcome = Outcome<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            // unshare(2) is not in Swift's Glibc module (it needs _GNU_SOURCE).
            typealias Unshare = @convention(c) (Int32) -> Int32
            guard let symbol = dlsym(nil, "unshare") else {
                outcome.result = .failure(TestFailure("no unshare in libc"))
                return
            }
            let cloneNewNet: Int32 = 0x4000_0000  // CLONE_NEWNET
            guard unsafeBitCast(symbol, to: Unshare.self)(cloneNewNet) == 0 else {
                outcome.result = .failure(TestFailure("unshare(CLONE_NEWNET): \(String(cString: strerror(errno)))"))
                return
            }
            outcome.result = Result { try body() }
        }
        thread.start()
        done.wait()
        return try outcome.result!.get()
    }

    final class Outcome<T>: @unchecked Sendable {
        var result: Result<T, any Error>?
    }

    /// Both maps. One command each: libnftables 1.0.6 fetches only the
    /// set named last when one buffer lists two.
    static func maps(_ nft: Nftables) throws -> String {
        try nft.output("list map inet hotplugd input-devices") + nft.output("list map inet hotplugd forward-devices")
    }

    @Test func elementsAreWhatNftWritesForTheSameCommands() throws {
        let changes = [
            FirewallElementChange(direction: .input, ifindex: 7, target: "in-a"),
            FirewallElementChange(direction: .input, ifindex: 9, target: "in-a"),
            FirewallElementChange(direction: .forward, ifindex: 7, target: "fwd-b"),
        ]
        let (raw, text, removed) = try Self.inOwnNamespace { () throws -> (String, String, String) in
            let nft = try Nftables()
            let table = FirewallRuleset.rebuildBatch(FirewallTable(bindings: Self.bindings))
            try nft.run(table)
            let writer = try NftablesElementWriter()
            try writer.apply(changes)
            let raw = try Self.maps(nft)
            try writer.apply(changes.map { FirewallElementChange(direction: $0.direction, ifindex: $0.ifindex, target: nil) })
            let removed = try Self.maps(nft)
            try nft.run(table + changes.map(\.command).joined(separator: "\n"))
            return (raw, try Self.maps(nft), removed)
        }
        #expect(raw == text)
        #expect(raw.contains("elements = { 7 : jump in-a, 9 : jump in-a }") && raw.contains("elements = { 7 : jump fwd-b }"), "\(raw)")
        #expect(!removed.contains("elements"), "\(removed)")
    }

    /// One batch: a replaced element (delete, then add) and a new one
    /// commit together, or, when one of them is refused, not at all.
    @Test func aBatchIsOneTransaction() throws {
        let (replaced, failure, after) = try Self.inOwnNamespace { () throws -> (String, String, String) in
            let nft = try Nftables()
            try nft.run(FirewallRuleset.rebuildBatch(FirewallTable(bindings: Self.bindings, devices: [7: ["a"]])))
            try nft.run("add chain inet hotplugd if7-in")
            let writer = try NftablesElementWriter()
            try writer.apply([FirewallElementChange(direction: .input, ifindex: 7, target: nil),
                              FirewallElementChange(direction: .input, ifindex: 7, target: "if7-in"),
                              FirewallElementChange(direction: .input, ifindex: 8, target: "in-a")])
            let replaced = try Self.maps(nft)
            var failure = ""
            do {
                try writer.apply([FirewallElementChange(direction: .input, ifindex: 9, target: "in-a"),
                                  FirewallElementChange(direction: .input, ifindex: 10, target: "no-such-chain")])
            } catch {
                failure = String(describing: error)
            }
            // The socket still works after a refused batch.
            try writer.apply([FirewallElementChange(direction: .input, ifindex: 8, target: nil)])
            return (replaced, failure, try Self.maps(nft))
        }
        #expect(replaced.contains("elements = { 7 : jump if7-in, 8 : jump in-a }"), "\(replaced)")
        #expect(failure.contains("No such file or directory"), "\(failure)")
        #expect(after.contains("elements = { 7 : jump if7-in }"), "9 was not added with the refused 10: \(after)")
    }

    /// A storm's devices in one loop turn are one batch, one datagram:
    /// larger than a netlink socket's default send buffer.
    @Test func aStormOfElementsIsOneBatch() throws {
        let count = 8000
        let listing = try Self.inOwnNamespace { () throws -> String in
            let nft = try Nftables()
            try nft.run(FirewallRuleset.rebuildBatch(FirewallTable(bindings: Self.bindings)))
            let writer = try NftablesElementWriter()
            try writer.apply((1...Int32(count)).map { FirewallElementChange(direction: .input, ifindex: $0, target: "in-a") })
            return try nft.output("list map inet hotplugd input-devices")
        }
        #expect(listing.components(separatedBy: ": jump in-a").count - 1 == count)
    }

    @Test func aMissingTableIsRefused() throws {
        let failure = try Self.inOwnNamespace { () -> String in
            do {
                try NftablesElementWriter().apply([FirewallElementChange(direction: .input, ifindex: 7, target: "in-a")])
                return ""
            } catch {
                return String(describing: error)
            }
        }
        #expect(failure.contains("No such file or directory"), "\(failure)")
    }
}
