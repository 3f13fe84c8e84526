import CHotplugReexec
import Glibc

/// A memfd holding `bytes`, sealed against any change (write, grow, shrink,
/// further seals), close-on-exec: what the re-exec state travels in, and
/// what journald takes for an entry too large for one datagram.
enum SealedMemfd {
    static let sealSeal: Int32 = 0x0001, sealShrink: Int32 = 0x0002, sealGrow: Int32 = 0x0004, sealWrite: Int32 = 0x0008
    static let addSeals: Int32 = 1033, getSeals: Int32 = 1034
    /// The seals a reader insists on: nobody can change the contents.
    static let required = sealShrink | sealGrow | sealWrite

    /// `what` names the contents in errors ("the re-exec state").
    static func create(_ name: String, holding bytes: [UInt8], what: String) throws(SystemCallError) -> FileDescriptor {
        let file = try FileDescriptor.adopting(hotplug_memfd_sealable(name), "memfd_create")
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(file.rawValue, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemCallError("write \(what)", errno: errno)
            }
            written += count
        }
        guard fcntl(file.rawValue, addSeals, required | sealSeal) == 0 else {
            throw SystemCallError("seal \(what)", errno: errno)
        }
        return file
    }
}
