import HotplugCore
@testable import HotplugLinux
import Testing

@Suite("OutputLineSplitter")
struct OutputLineSplitterTests {
    private func feed(_ splitter: inout OutputLineSplitter, _ bytes: [UInt8]) -> [String] {
        bytes.withUnsafeBytes { splitter.append($0) }
    }

    @Test("lines split across reads are joined; the partial tail waits for more data")
    func partialLines() {
        var splitter = OutputLineSplitter()
        #expect(feed(&splitter, Array("hel".utf8)) == [])
        #expect(feed(&splitter, Array("lo\nwor".utf8)) == ["hello"])
        #expect(feed(&splitter, Array("ld\n\n".utf8)) == ["world", ""])
        #expect(feed(&splitter, Array("tail".utf8)) == [])
        #expect(splitter.finish() == ["tail"])
        #expect(splitter.finish() == [])
    }

    @Test("a line longer than 8 KiB is cut, marked, and its rest skipped")
    func longLine() {
        var splitter = OutputLineSplitter()
        let limit = OutputLineSplitter.maximumLineBytes
        var lines: [String] = []
        // Arrives in small pieces, without a newline for a long time.
        for _ in 0..<10 {
            lines += feed(&splitter, [UInt8](repeating: UInt8(ascii: "a"), count: 3000))
        }
        #expect(lines == [String(repeating: "a", count: limit) + OutputLineSplitter.truncationMarker])
        #expect(feed(&splitter, Array("still the same line\nnext\n".utf8)) == ["next"])
        #expect(splitter.finish() == [])
    }

    @Test("a line of exactly 8 KiB is kept whole")
    func exactLimit() {
        var splitter = OutputLineSplitter()
        let line = [UInt8](repeating: UInt8(ascii: "b"), count: OutputLineSplitter.maximumLineBytes)
        #expect(feed(&splitter, line + [UInt8(ascii: "\n")]) == [String(repeating: "b", count: line.count)])
    }

    @Test("cutting does not split a multi-byte character")
    func cutOnCharacterBoundary() {
        var splitter = OutputLineSplitter()
        // "é" is two bytes; with one leading byte its second half sits exactly at the limit.
        let bytes = [UInt8(ascii: "z")] + Array(String(repeating: "é", count: 5000).utf8) + [UInt8(ascii: "\n")]
        let lines = feed(&splitter, bytes)
        #expect(lines.count == 1)
        let expected = "z" + String(repeating: "é", count: (OutputLineSplitter.maximumLineBytes - 1) / 2)
        #expect(lines.first == expected + OutputLineSplitter.truncationMarker)
    }

    @Test("invalid UTF-8 becomes U+FFFD instead of failing")
    func invalidUTF8() {
        var splitter = OutputLineSplitter()
        #expect(feed(&splitter, [0x61, 0xFF, 0xC3, 0x0A, 0x80, 0x62, 0x0A]) == ["a\u{FFFD}\u{FFFD}", "\u{FFFD}b"])
    }

    @Test("a begun line handed to a new splitter (re-exec) ends there whole, a cut one stays skipped")
    func carriedLine() {
        var old = OutputLineSplitter()
        #expect(old.partialLine == nil)
        #expect(feed(&old, Array("done\nhalf ".utf8) + [0xC3]) == ["done"])
        let carried = old.partialLine
        #expect(carried == PartialLine(bytes: Array("half ".utf8) + [0xC3], cut: false))
        var new = OutputLineSplitter(carrying: carried!)
        #expect(feed(&new, [0xA9] + Array(" line\n".utf8)) == ["half \u{E9} line"], "a character split across the images too")
        #expect(new.partialLine == nil)

        var long = OutputLineSplitter()
        _ = feed(&long, [UInt8](repeating: UInt8(ascii: "a"), count: OutputLineSplitter.maximumLineBytes + 10))
        var next = OutputLineSplitter(carrying: long.partialLine!)
        #expect(feed(&next, Array("rest of it\nnew\n".utf8)) == ["new"], "the cut line's rest is still skipped")
    }
}
