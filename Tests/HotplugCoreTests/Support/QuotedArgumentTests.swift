import Testing
@testable import HotplugCore

struct QuotedArgumentTests {
    @Test func quotesBackslashesAndControlCharactersAreEscaped() {
        #expect(Printable.quoted("plain") == #""plain""#)
        #expect(Printable.quoted(#"say "hi""#) == #""say \"hi\"""#)
        #expect(Printable.quoted(#"a\b"#) == #""a\\b""#)
        #expect(Printable.quoted("bell\u{7}") == #""bell\x07""#)
    }
}
