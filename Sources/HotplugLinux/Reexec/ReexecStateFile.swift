import Glibc
import HotplugCore

/// The re-exec state in a sealed memfd: written by the old image, sealed
/// against any change (write, grow, shrink, further seals), read by the new
/// one. A descriptor that is not such a sealed file is refused: nobody can
/// alter the state between the two images, nor hand the new image a file of
/// theirs in its place.
struct ReexecStateFile: ~Copyable {
    let descriptor: FileDescriptor

    /// Close-on-exec until `ReexecDescriptors.keepAcrossExec` says otherwise.
    init(writing text: String) throws(SystemCallError) {
        descriptor = try SealedMemfd.create("hotplugd-reexec-state", holding: Array(text.utf8), what: "the re-exec state")
    }

    /// Reads and closes the state the old image left at descriptor `number`.
    static func read(number: Int32) throws(ReexecStateError) -> String {
        guard number >= 3, let file = FileDescriptor(adopting: number), fcntl(number, F_GETFD) >= 0 else {
            throw ReexecStateError("descriptor \(number) is not open")
        }
        let seals = fcntl(file.rawValue, SealedMemfd.getSeals)
        guard seals >= 0, seals & SealedMemfd.required == SealedMemfd.required else {
            throw ReexecStateError("descriptor \(number) is not a sealed memfd")
        }
        var info = stat()
        guard fstat(file.rawValue, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw ReexecStateError("descriptor \(number) is not a regular file")
        }
        guard info.st_size >= 0, info.st_size <= ReexecState.maximumBytes else {
            throw ReexecStateError("the state is larger than \(ReexecState.maximumBytes) bytes")
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeMutableBytes { pread(file.rawValue, $0.baseAddress! + done, $0.count - done, off_t(done)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw ReexecStateError("the state could not be read whole") }
            done += count
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ReexecStateError("the state is not UTF-8") }
        return text
    }
}
