import Glibc
@testable import HotplugLinux
import Testing
import TestSupport

/// journald's native protocol as hotplugd speaks it, against a socket that
/// stands in for /run/systemd/journal/socket.
@Suite("the journal's native protocol")
struct JournalSocketTests {
    @Test("fields go one per line; a value with a newline goes with its length")
    func encoding() {
        let bytes = JournalNativeEntry.encode(["MESSAGE=plugged", "CHILD_OUTPUT=two\nlines", "PRIORITY=6"])
        let lengthField: [UInt8] = [9, 0, 0, 0, 0, 0, 0, 0]
        let expected = Array("MESSAGE=plugged\nCHILD_OUTPUT\n".utf8) + lengthField + Array("two\nlines\nPRIORITY=6\n".utf8)
        #expect(bytes == expected)
    }

    @Test("an entry reaches the socket as one datagram")
    func datagram() throws {
        let journal = try FakeJournal()
        try JournalSocket(path: journal.path).send(["MESSAGE=hello", "BINDING=gamelink"])
        #expect(try journal.receive() == Array("MESSAGE=hello\nBINDING=gamelink\n".utf8))
    }

    @Test("an entry too large for a datagram goes as a sealed memfd")
    func oversized() throws {
        let journal = try FakeJournal()
        let message = "MESSAGE=" + String(repeating: "x", count: 9 << 20)
        try JournalSocket(path: journal.path).send([message])
        #expect(try journal.receive() == Array((message + "\n").utf8))
    }

    @Test("no journald: the send fails, so the handler can fall back to stderr")
    func absent() throws {
        let directory = try TemporaryDirectory(prefix: "hotplugd-journal")
        #expect(throws: SystemCallError.self) {
            try JournalSocket(path: directory.path + "/no-journald.sock").send(["MESSAGE=lost?"])
        }
    }
}

/// A bound datagram socket that reads what a journal client sent: the bytes
/// of a datagram, or of the sealed memfd passed with an empty one.
private final class FakeJournal {
    let path: String
    private let directory: TemporaryDirectory
    private let fd: Int32

    init() throws {
        directory = try TemporaryDirectory(prefix: "hotplugd-journal")
        path = directory.path + "/socket"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        guard let address = UnixSocketAddress(path: path), address.withSockaddr({ bind(fd, $0, $1) }) == 0 else {
            throw TestFailure("bind \(path): errno \(errno)")
        }
    }

    deinit { close(fd) }

    func receive() throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var control = [UInt8](repeating: 0, count: 64)
        let (count, controlLength) = buffer.withUnsafeMutableBytes { data in
            control.withUnsafeMutableBytes { controlBytes in
                var vector = iovec(iov_base: data.baseAddress, iov_len: data.count)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBytes.baseAddress
                    message.msg_controllen = controlBytes.count
                    let received = recvmsg(fd, &message, Int32(MSG_DONTWAIT) | Int32(MSG_CMSG_CLOEXEC))
                    return (received, Int(message.msg_controllen))
                }
            }
        }
        guard count >= 0 else { throw TestFailure("recvmsg: errno \(errno)") }
        control.removeSubrange(min(controlLength, control.count)...)
        if count > 0 { return Array(buffer[0..<count]) }
        // An empty datagram: cmsghdr (len 8, level 4, type 4), then the fd.
        guard control.count >= 20 else { throw TestFailure("an empty datagram without a descriptor") }
        let level = control[8..<12].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
        let type = control[12..<16].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
        let passed = control[16..<20].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
        guard level == SOL_SOCKET, type == Int32(SCM_RIGHTS) else { throw TestFailure("not SCM_RIGHTS") }
        defer { close(passed) }
        // journald refuses a memfd that is not sealed against writes and resizes.
        let seals = fcntl(passed, 1034)
        guard seals >= 0, seals & 0x0e == 0x0e else { throw TestFailure("memfd seals \(seals)") }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var offset: off_t = 0
        while true {
            let read = chunk.withUnsafeMutableBytes { pread(passed, $0.baseAddress, $0.count, offset) }
            guard read > 0 else { break }
            contents += chunk[0..<read]
            offset += off_t(read)
        }
        return contents
    }
}
