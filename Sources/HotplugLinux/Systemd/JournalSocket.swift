import Glibc
import Synchronization

/// journald's native socket, shared by every logger of the process, opened
/// at the first entry and kept (as libsystemd keeps its own). Close-on-exec:
/// a re-executed image opens its own.
final class JournalSocket: Sendable {
    static let shared = JournalSocket(path: "/run/systemd/journal/socket")

    private let address: UnixSocketAddress?
    private let socket = Mutex<SystemdDatagramSocket?>(nil)

    /// libsystemd's send buffer for the journal: entries up to this size go
    /// in one datagram; larger ones as a sealed memfd.
    private static let sendBufferBytes: Int32 = 8 << 20

    init(path: String) {
        address = UnixSocketAddress(path: path)
    }

    /// Sends one entry; throws the errno when journald is not there (then
    /// the caller falls back to stderr).
    func send(_ fields: [String]) throws(SystemCallError) {
        guard let address else { throw SystemCallError("journal socket", errno: EINVAL) }
        let entry = JournalNativeEntry.encode(fields)
        try socket.withLock { (socket: inout SystemdDatagramSocket?) throws(SystemCallError) in
            if socket == nil { socket = try SystemdDatagramSocket(sendBufferBytes: Self.sendBufferBytes) }
            guard let socket else { return }
            do throws(SystemCallError) {
                try socket.send(entry, to: address, "send to journald")
            } catch where error.errno == EMSGSIZE || error.errno == ENOBUFS {
                // Too large for one datagram: journald reads it from a sealed
                // memfd instead, which sd_journal_sendv(3) does too.
                let file = try SealedMemfd.create("journal-entry", holding: entry, what: "the journal entry")
                try socket.send(file, to: address, "send to journald (as a memfd)")
            }
        }
    }
}
