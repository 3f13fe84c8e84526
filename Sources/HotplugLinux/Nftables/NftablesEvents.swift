import CNftables
import Glibc

/// A NETLINK_NETFILTER socket subscribed to nftables' change notifications,
/// for the daemon's epoll: it becomes readable only when some process
/// changes some nftables object, so watching costs no wake-ups while
/// nothing changes.
final class NftablesEvents {
    let descriptor: FileDescriptor
    private var parser: NftablesEventParser

    /// What one drain found.
    struct Report {
        var changes: [NftablesEventParser.Change] = []
        /// The kernel dropped notifications (ENOBUFS): whether the table
        /// was touched is unknown.
        var lost = false
    }

    init(family: UInt8, table: String) throws(SystemCallError) {
        let raw = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue),
                         NETLINK_NETFILTER)
        guard let owned = FileDescriptor(adopting: raw) else { throw SystemCallError("socket(NETLINK_NETFILTER)", errno: errno) }
        // A `nft flush ruleset` of a large host ruleset (Docker's) sends a
        // message per rule; a roomy buffer keeps that from overflowing.
        var size: Int32 = 4 << 20
        _ = setsockopt(owned.rawValue, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(owned.rawValue, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
            }
        }
        guard bound == 0 else { throw SystemCallError("bind(NETLINK_NETFILTER)", errno: errno) }
        var group = UInt32(NFNLGRP_NFTABLES.rawValue)
        guard setsockopt(owned.rawValue, Int32(SOL_NETLINK), NETLINK_ADD_MEMBERSHIP, &group, socklen_t(MemoryLayout<UInt32>.size)) == 0 else {
            throw SystemCallError("setsockopt(NETLINK_ADD_MEMBERSHIP NFNLGRP_NFTABLES)", errno: errno)
        }
        descriptor = owned
        parser = NftablesEventParser(family: family, table: table, ownPID: UInt32(bitPattern: getpid()))
    }

    /// Reads every pending notification.
    func drain() -> Report {
        var report = Report()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor.rawValue, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                report.changes += parser.feed(Array(buffer.prefix(count)))
                continue
            }
            let failure = errno
            if count < 0 && failure == EINTR { continue }
            if count < 0 && failure == ENOBUFS {
                report.lost = true
                continue
            }
            return report
        }
    }
}

extension NftablesEvents: EpollWatchable {
    func withWatchedDescriptor<Result>(
        _ body: (borrowing FileDescriptor) throws(SystemCallError) -> Result
    ) throws(SystemCallError) -> Result {
        try body(descriptor)
    }
}
