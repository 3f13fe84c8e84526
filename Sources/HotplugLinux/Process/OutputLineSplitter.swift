import HotplugCore

/// Turns the byte stream of one child output pipe into log lines.
///
/// The child is untrusted: a line may be huge, never end, or not be UTF-8.
/// Memory stays bounded (one line of `maximumLineBytes` plus a read chunk),
/// over-long lines are cut and marked, and invalid UTF-8 is replaced with
/// U+FFFD instead of failing.
struct OutputLineSplitter {
    static let maximumLineBytes = 8 * 1024
    /// Appended to a line that was cut; the rest of it up to "\n" is dropped.
    static let truncationMarker = " [line truncated]"

    private var pending: [UInt8] = []
    /// True after a cut line was emitted, until its "\n" arrives.
    private var discardingRestOfLine = false

    init() {}

    /// Goes on with a line a previous image had begun (re-exec): its bytes
    /// so far, and whether it was already cut and is being skipped.
    init(carrying line: PartialLine) {
        pending = Array(line.bytes.prefix(Self.maximumLineBytes + 1))
        discardingRestOfLine = line.cut
    }

    /// The line begun and not yet ended, for the next image; nil when none.
    var partialLine: PartialLine? {
        pending.isEmpty && !discardingRestOfLine ? nil : PartialLine(bytes: pending, cut: discardingRestOfLine)
    }

    /// Feeds newly read bytes that are not to be logged (the child writes
    /// faster than its output is let through); returns how many lines they
    /// completed, without making strings of them. A line begun before
    /// stays begun: its bytes are dropped and it ends at the next "\n".
    mutating func discard(_ bytes: UnsafeRawBufferPointer) -> Int {
        var newlines = 0
        for byte in bytes where byte == UInt8(ascii: "\n") { newlines += 1 }
        guard newlines > 0 else { return 0 }
        pending.removeAll(keepingCapacity: true)
        let endsInLine = bytes.last != UInt8(ascii: "\n")
        // The bytes after the last "\n" start a line whose head is gone.
        discardingRestOfLine = endsInLine
        return newlines
    }

    /// Feeds newly read bytes; returns the lines they completed.
    mutating func append(_ bytes: UnsafeRawBufferPointer) -> [String] {
        var lines: [String] = []
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n"))
            let segmentEnd = newline ?? bytes.endIndex
            if !discardingRestOfLine {
                keep(bytes[start..<segmentEnd])
            }
            if newline != nil {
                if discardingRestOfLine {
                    discardingRestOfLine = false
                } else {
                    lines.append(takeLine())
                }
                start = segmentEnd + 1
            } else {
                if !discardingRestOfLine && pending.count > Self.maximumLineBytes {
                    // No need to wait for the newline: emit the cut line now
                    // and skip the remainder as it streams in.
                    lines.append(takeLine())
                    discardingRestOfLine = true
                }
                start = segmentEnd
            }
        }
        return lines
    }

    /// End of stream: a last line without "\n" is still a line.
    mutating func finish() -> [String] {
        defer { discardingRestOfLine = false }
        if discardingRestOfLine || pending.isEmpty { return [] }
        return [takeLine()]
    }

    /// Stores at most one byte beyond the limit: enough to know the line
    /// must be cut, without letting a newline-free flood grow the buffer.
    private mutating func keep(_ segment: Slice<UnsafeRawBufferPointer>) {
        let room = Self.maximumLineBytes + 1 - pending.count
        guard room > 0 else { return }
        pending.append(contentsOf: segment.prefix(room))
    }

    private mutating func takeLine() -> String {
        defer { pending.removeAll(keepingCapacity: true) }
        guard pending.count > Self.maximumLineBytes else {
            return String(decoding: pending, as: UTF8.self)
        }
        // Cut on a character boundary when possible so the kept text does
        // not end in a replacement character: step back over at most three
        // UTF-8 continuation bytes (10xxxxxx).
        var cut = Self.maximumLineBytes
        var stepsBack = 0
        while stepsBack < 3 && cut > 0 && pending[cut] & 0xC0 == 0x80 {
            cut -= 1
            stepsBack += 1
        }
        if stepsBack == 3 && pending[cut] & 0xC0 == 0x80 { cut = Self.maximumLineBytes }
        return String(decoding: pending[..<cut], as: UTF8.self) + Self.truncationMarker
    }
}
