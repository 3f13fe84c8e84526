import Glibc
import HotplugCore

/// The read end of one of a child's output pipes (nonblocking,
/// close-on-exec), with the partial line read from it so far.
struct OutputPipe: ~Copyable {
    /// Reads per `readLines` call at most, so one child flooding its pipe
    /// cannot starve the rest of the event loop; level-triggered epoll
    /// reports the pipe again for the remainder.
    static let maximumReadsPerCall = 2
    static let readChunkBytes = 16 * 1024

    let descriptor: FileDescriptor
    private var splitter = OutputLineSplitter()
    /// Every writer (the child and its descendants) has closed its end.
    private(set) var hasReachedEnd = false

    /// Nil without a descriptor, so a pipe that was never opened reads as closed.
    init?(_ descriptor: consuming FileDescriptor?, carrying line: PartialLine? = nil) {
        guard let descriptor else { return nil }
        self.descriptor = descriptor
        if let line { splitter = OutputLineSplitter(carrying: line) }
    }

    /// The line read so far and not yet ended (see `OutputLineSplitter`).
    var partialLine: PartialLine? { splitter.partialLine }

    /// Reads what is available now like `readLines`, but only counts the
    /// lines, for output the log does not take.
    mutating func discardLines() -> Int {
        guard !hasReachedEnd else { return 0 }
        var count = 0
        var chunk = [UInt8](repeating: 0, count: Self.readChunkBytes)
        for _ in 0..<Self.maximumReadsPerCall {
            let read = chunk.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor.rawValue, buffer.baseAddress, buffer.count)
            }
            if read > 0 {
                count += chunk.withUnsafeBytes { splitter.discard(UnsafeRawBufferPointer(rebasing: $0[..<read])) }
                continue
            }
            if read < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { break }
            count += splitter.finish().count
            hasReachedEnd = true
            break
        }
        return count
    }

    /// The complete lines available now, without their "\n"; at end of
    /// stream also the partial last one.
    mutating func readLines() -> [String] {
        guard !hasReachedEnd else { return [] }
        var lines: [String] = []
        var chunk = [UInt8](repeating: 0, count: Self.readChunkBytes)
        var reads = 0
        while reads < Self.maximumReadsPerCall {
            let count = chunk.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor.rawValue, buffer.baseAddress, buffer.count)
            }
            if count > 0 {
                reads += 1
                lines += chunk.withUnsafeBytes { buffer in
                    splitter.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                }
                continue
            }
            if count < 0 {
                let failure = errno
                if failure == EINTR { continue }
                if failure == EAGAIN || failure == EWOULDBLOCK { break }
                // EIO and friends: nothing more will come, so it counts as the end.
            }
            lines += splitter.finish()
            hasReachedEnd = true
            break
        }
        return lines
    }
}
