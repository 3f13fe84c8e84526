import Glibc
@testable import HotplugCore
import Testing
@testable import HotplugLinux

/// `[::]:PORT` is dual-stack, as systemd's BindIPv6Only=default: an IPv4
/// client reaches it (issue 21, item 16).
struct DualStackListenTests {
    @Test func ltAnyIPv6AddressAcceptsIPv4Too() throws {
        let socket = try ListeningSocket(ListenSocket(kind: .stream, address: ListenAddress(host: .ipv6([UInt8](repeating: 0, count: 16)), port: 0)),
                                         ifindex: nil, backlog: 4, reusePort: false)
        var v6only: Int32 = -1
        var length = socklen_t(MemoryLayout<Int32>.size)
        #expect(getsockopt(socket.descriptor.rawValue, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &v6only, &length) == 0)
        #expect(v6only == 0)
        var bound = sockaddr_in6()
        var boundLength = socklen_t(MemoryLayout<sockaddr_in6>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket.descriptor.rawValue, $0, &boundLength) } }
        let client = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(client) }
        var loopback = sockaddr_in()
        loopback.sin_family = sa_family_t(AF_INET)
        loopback.sin_port = bound.sin6_port
        loopback.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let connected = withUnsafePointer(to: &loopback) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(connected == 0, "127.0.0.1 reaches [::]: \(errnoText())")
    }
}
