import Glibc
import Testing
@testable import HotplugLinux

/// A kernel that never answers must cost a request its timeout, not the
/// daemon's loop. No root needed: the silence is real, from the kernel.
///
/// What stays silent: a control message (NLMSG_NOOP, a type below
/// NLMSG_MIN_TYPE) sent without NLM_F_ACK. The kernel's netlink_rcv_skb
/// skips control messages and acknowledges only on NLM_F_ACK or an error,
/// so nothing ever comes back, on NETLINK_ROUTE as on NETLINK_GENERIC.
/// (NETLINK_USERSOCK does not do: it has no kernel side, and sending to
/// port 0 fails at once with ECONNREFUSED; see the last test.)
///
/// The time bounds are generous on purpose: they check that the call
/// returns, not how fast.
@Suite("Netlink request deadlines")
struct NetlinkTimeoutTests {
    static let generic: Int32 = 16  // NETLINK_GENERIC
    static let userSocket: Int32 = 2  // NETLINK_USERSOCK
    static let unanswerable = NetlinkRequest(type: .noop, flags: [.request])
    /// Far above every timeout here, far below a hung test.
    static let returnsWithin: UInt64 = 5_000_000_000

    /// Runs `body`, which must throw a NetlinkError; returns it with the
    /// nanoseconds it took.
    func failure(_ body: () throws(NetlinkError) -> Void) throws -> (NetlinkError, UInt64) {
        let start = MonotonicClock.now()
        let error = try #require(throws: NetlinkError.self) { try body() }
        return (error, MonotonicClock.now() - start)
    }

    @Test("an unanswered request fails after its own timeout, saying so")
    func requestTimesOut() throws {
        let socket = try NetlinkSocket(protocol: Self.generic, requestTimeout: .milliseconds(300))
        let (error, elapsed) = try failure { () throws(NetlinkError) in
            _ = try socket.performAcknowledged(Self.unanswerable, operation: "ask for silence")
        }
        #expect(error.isTimeout)
        #expect(error.description == "ask for silence: Connection timed out (the kernel did not answer within 300 ms)")
        #expect(elapsed >= 300_000_000, "gave up early, after \(elapsed / 1_000_000) ms")
        #expect(elapsed < Self.returnsWithin, "took \(elapsed / 1_000_000) ms")
    }

    @Test("rtnetlink's default timeout is one second per request")
    func defaultTimeoutOnRoute() throws {
        let socket = try NetlinkSocket(protocol: NetlinkProtocol.route)
        let (error, elapsed) = try failure { () throws(NetlinkError) in
            _ = try socket.performAcknowledged(Self.unanswerable, operation: "ask for silence")
        }
        #expect(error.detail == "the kernel did not answer within 1000 ms")
        #expect(elapsed >= 1_000_000_000)
        #expect(elapsed < Self.returnsWithin, "took \(elapsed / 1_000_000) ms")
    }

    @Test("a time limit on several requests cuts a request's own timeout short")
    func limitEndsTheWaitFirst() throws {
        let socket = try NetlinkSocket(protocol: Self.generic, requestTimeout: .seconds(60))
        socket.timeLimit = NetlinkTimeLimit(.milliseconds(300), from: MonotonicClock.now(), for: "a test")
        let (error, elapsed) = try failure { () throws(NetlinkError) in
            _ = try socket.performDump(Self.unanswerable, operation: "ask for silence")
        }
        #expect(error.isTimeout)
        let detail = try #require(error.detail)
        #expect(detail.hasPrefix("the kernel did not answer within "))
        #expect(detail.hasSuffix(" ms, what was left of the 300 ms allowed for a test"))
        #expect(elapsed < Self.returnsWithin, "took \(elapsed / 1_000_000) ms")
    }

    @Test("once the limit has run out nothing is sent; afterwards requests work again")
    func exhaustedLimitSendsNothing() throws {
        let netlink = try RouteNetlink()
        let (error, elapsed) = try failure { () throws(NetlinkError) in
            try netlink.withTimeLimit(.zero, for: "configuring a link") { () throws(NetlinkError) in
                _ = try netlink.link(named: "lo")
            }
        }
        #expect(error.description == "look up link lo: Connection timed out (not sent: the 0 ms allowed for configuring a link had run out)")
        #expect(elapsed < Self.returnsWithin)
        #expect(try netlink.link(named: "lo")?.name == "lo")
    }

    @Test("an inner time limit never extends the outer one")
    func innerLimitKeepsTheEarlierEnd() throws {
        let netlink = try RouteNetlink()
        let error = try #require(throws: NetlinkError.self) {
            try netlink.withTimeLimit(.zero, for: "the outer work") { () throws(NetlinkError) in
                try netlink.withTimeLimit(.seconds(60), for: "the inner work") { () throws(NetlinkError) in
                    _ = try netlink.link(named: "lo")
                }
            }
        }
        #expect(error.detail == "not sent: the 0 ms allowed for the outer work had run out")
    }

    @Test("answered requests are unaffected by the deadline")
    func answeredRequestsSucceed() throws {
        let netlink = try RouteNetlink(requestTimeout: .milliseconds(500))
        let loopback = try netlink.withTimeLimit(.seconds(2), for: "a test") { () throws(NetlinkError) in
            try netlink.link(named: "lo")
        }
        #expect(loopback?.name == "lo")
        #expect(try netlink.addresses(index: try #require(loopback).index).isEmpty == false)
    }

    @Test("a protocol without a kernel side refuses at once instead of staying silent")
    func userSocketRefuses() throws {
        let socket = try NetlinkSocket(protocol: Self.userSocket)
        let (error, elapsed) = try failure { () throws(NetlinkError) in
            _ = try socket.performAcknowledged(
                NetlinkRequest(type: .noop, flags: [.request, .acknowledge]), operation: "ask nobody")
        }
        #expect(error.errno == ECONNREFUSED)
        #expect(elapsed < Self.returnsWithin)
    }
}
