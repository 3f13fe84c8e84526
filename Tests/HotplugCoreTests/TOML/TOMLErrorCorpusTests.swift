import HotplugCore
import Testing

/// A broken document and the exact error it must produce.
struct TOMLBrokenDocument: Sendable, CustomTestStringConvertible {
    var text: String
    var line: Int
    var column: Int
    var message: String

    init(_ text: String, _ line: Int, _ column: Int, _ message: String) {
        self.text = text
        self.line = line
        self.column = column
        self.message = message
    }

    var testDescription: String { message }
}

private let brokenDocuments: [TOMLBrokenDocument] = [
    // Strings.
    .init(#"a = "abc"#, 1, 5, "unterminated string"),
    .init("a = \"abc\nb = 1", 1, 5, "unterminated string"),
    .init("a = 'abc", 1, 5, "unterminated string"),
    .init("a = \"\"\"abc\n", 1, 5, "unterminated string"),
    .init("a = '''abc''", 1, 5, "unterminated string"),
    .init(#"a."b = 1"#, 1, 3, "unterminated string"),
    .init(#"a = "\q""#, 1, 6, #"invalid escape '\q'"#),
    .init(#"a = "\e""#, 1, 6, #"invalid escape '\e'"#),
    .init(#"a = "\u12""#, 1, 6, #"invalid unicode escape: '\u' needs 4 hex digits"#),
    .init(#"a = "\U0000004""#, 1, 6, #"invalid unicode escape: '\U' needs 8 hex digits"#),
    .init(#"a = "\uD800""#, 1, 6, #"escape '\uD800' is not a valid unicode scalar value"#),
    .init(#"a = "\U00110000""#, 1, 6, #"escape '\U00110000' is not a valid unicode scalar value"#),
    .init("a = \"x\\\ny\"", 1, 7, "newline is not allowed in a basic string"),
    .init("a = \"x\u{1}\"", 1, 7, "invalid control character U+0001 in string"),
    .init("a = '''x\u{7F}'''", 1, 9, "invalid control character U+007F in string"),
    .init(#""""a""" = 1"#, 1, 1, "multi-line strings are not allowed as keys"),

    // Keys and line structure.
    .init("foo bar = 1", 1, 5, "expected '=' after key 'foo'"),
    .init("a.\"b c\" 1", 1, 9, #"expected '=' after key 'a."b c"'"#),
    .init("f$o = 1", 1, 2, "invalid character '$' in bare key"),
    .init("é = 1", 1, 1, "invalid character 'é' in bare key"),
    .init("= 1", 1, 1, "expected a key"),
    .init("a. = 1", 1, 4, "expected a key"),
    .init("[]", 1, 2, "expected a key"),
    .init("a =", 1, 4, "expected a value"),
    .init("a = \n", 1, 5, "expected a value"),
    .init("a = # no value", 1, 5, "expected a value"),
    .init("a = 1 2", 1, 7, "expected a newline after value, found '2'"),
    .init(#"a = "x" y"#, 1, 9, "expected a newline after value, found 'y'"),
    .init("[a] x = 1", 1, 5, "expected a newline after table header, found 'x'"),
    .init("a = tru", 1, 5, "invalid value 'tru' (strings must be quoted)"),
    .init("a = 1 # bell\u{7}", 1, 13, "invalid control character U+0007 in comment"),
    .init("a = 1\rb = 2", 1, 6, "bare carriage return is not allowed"),
    .init("[a", 1, 3, "expected ']' to close table header"),
    .init("[[a]\n", 1, 4, "expected ']]' to close array of tables header"),

    // Numbers.
    .init("a = 0x", 1, 5, "expected digits after '0x'"),
    .init("a = 0xG", 1, 7, "invalid character 'G' in hexadecimal integer"),
    .init("a = 0b102", 1, 9, "invalid character '2' in binary integer"),
    .init("a = +0x10", 1, 5, "a sign is not allowed on hexadecimal integers"),
    .init("a = 01", 1, 5, "leading zeros are not allowed"),
    .init("a = -01.5", 1, 6, "leading zeros are not allowed"),
    .init("a = 1__2", 1, 7, "an underscore must be between digits"),
    .init("a = 1_", 1, 6, "an underscore must be between digits"),
    .init("a = _1", 1, 5, "an underscore must be between digits"),
    .init("a = 9223372036854775808", 1, 5, "integer out of range"),
    .init("a = -9223372036854775809", 1, 5, "integer out of range"),
    .init("a = 0x8000000000000000", 1, 5, "integer out of range"),
    .init("a = 99999999999999999999999", 1, 5, "integer out of range"),
    .init("a = 1.", 1, 6, "a decimal point must be followed by digits"),
    .init("a = .5", 1, 5, "a decimal point must be preceded by digits"),
    .init("a = 1e", 1, 6, "an exponent must be followed by digits"),
    .init("a = 1.5.2", 1, 8, "invalid character '.' in number"),
    .init("a = -", 1, 5, "expected digits after the sign"),
    .init("a = infinity", 1, 5, "invalid value 'infinity' (strings must be quoted)"),

    // Date-times.
    .init("a = 1979-13-01", 1, 10, "month out of range"),
    .init("a = 1979-02-29", 1, 13, "day out of range"),
    .init("a = 1979-5-27", 1, 11, "invalid date, expected YYYY-MM-DD"),
    .init("a = 07:32", 1, 10, "time must include seconds (HH:MM:SS)"),
    .init("a = 25:00:00", 1, 5, "hour out of range"),
    .init("a = 1979-05-27T07:61:00", 1, 19, "minute out of range"),
    .init("a = 1979-05-27T07:32:00+25:00", 1, 25, "offset hour out of range"),
    .init("a = 1979-05-27T07:32:00.", 1, 25, "fractional seconds must have digits"),
    .init("a = 1979-05-27Tx", 1, 16, "invalid time, expected HH:MM:SS"),

    // Arrays and inline tables.
    .init("a = [1, 2", 1, 5, "unterminated array"),
    .init("a = [1 2]", 1, 8, "expected ',' or ']' in array"),
    .init("a = [1,,2]", 1, 8, "expected a value"),
    .init("a = {x = 1,}", 1, 11, "trailing comma is not allowed in an inline table"),
    .init("a = {x = 1\n}", 1, 11, "newline is not allowed in an inline table"),
    .init("a = {\nx = 1}", 1, 6, "newline is not allowed in an inline table"),
    .init("a = {x = 1 y = 2}", 1, 12, "expected ',' or '}' in inline table"),
    .init("a = {", 1, 5, "unterminated inline table"),
    .init("a = { x = 1", 1, 5, "unterminated inline table"),
    .init("a = " + String(repeating: "[", count: 65) + String(repeating: "]", count: 65), 1, 69, "nesting too deep"),
    .init("a = " + String(repeating: "{b=", count: 65) + "1" + String(repeating: "}", count: 65), 1, 197, "nesting too deep"),

    // Keys and tables defined twice.
    .init("a = 1\na = 2", 2, 1, "duplicate key 'a' (first defined at line 1)"),
    .init("a = 1\n\"a\" = 2", 2, 1, "duplicate key 'a' (first defined at line 1)"),
    .init("a.b = 1\na.b = 2", 2, 3, "duplicate key 'a.b' (first defined at line 1)"),
    .init("a = {x = 1, x = 2}", 1, 13, "duplicate key 'x' (first defined at line 1)"),
    .init("[a]\nx = 1\n[a]", 3, 2, "duplicate table 'a' (first defined at line 1)"),
    .init("[a.b]\n[a]\n[a]", 3, 2, "duplicate table 'a' (first defined at line 2)"),
    .init("[a]\nb = 1\n[a.b]", 3, 4, "duplicate key 'a.b' (first defined at line 2)"),
    .init("a = 1\n[a]", 2, 2, "duplicate key 'a' (first defined at line 1)"),
    .init("a = {}\n[a]", 2, 2, "duplicate table 'a' (first defined at line 1)"),
    .init("[fruit]\napple.color = \"red\"\n[fruit.apple]", 3, 8, "duplicate table 'fruit.apple' (first defined at line 2)"),
    .init("[fruit]\napple.taste.sweet = true\n[fruit.apple.taste]", 3, 14, "duplicate table 'fruit.apple.taste' (first defined at line 2)"),
    .init("a.b = 0\na = {}", 2, 1, "duplicate key 'a' (first defined at line 1)"),

    // Keys added to something that is not an open table.
    .init("a = 1\na.b = 2", 2, 1, "key 'a' is an integer, not a table (defined at line 1)"),
    .init("a.b = 1\na.b.c = 2", 2, 3, "key 'a.b' is an integer, not a table (defined at line 1)"),
    .init("a = [1]\n[a.b]", 2, 2, "key 'a' is an array, not a table (defined at line 1)"),
    .init("a = {x = 1}\na.y = 2", 2, 1, "cannot add keys to inline table 'a' (defined at line 1)"),
    .init("a = {x = 1}\n[a.b]", 2, 2, "cannot add keys to inline table 'a' (defined at line 1)"),
    .init(#"tbl = { fruit = { apple.color = "red" }, fruit.apple.texture = { smooth = true } }"#, 1, 42,
          "cannot add keys to inline table 'fruit' (defined at line 1)"),
    .init("[a.b.c]\n[a]\nb.x = 1\n[a.b]", 4, 4, "duplicate table 'a.b' (first defined at line 1)"),
    .init("[a.b.c]\nz = 9\n[a]\nb.c.t = 1", 4, 3, "cannot add keys to table 'b.c' with dotted keys (defined by a header at line 1)"),

    // Arrays of tables.
    .init("a = []\n[[a]]", 2, 3, "cannot append to static array 'a' (defined at line 1)"),
    .init("[a]\n[[a]]", 2, 3, "cannot redefine table 'a' as an array of tables (first defined at line 1)"),
    .init("[[a]]\n[a]", 2, 2, "'a' is already an array of tables (first defined at line 1)"),
    .init("[[albums.songs]]\n[[albums]]", 2, 3, "cannot redefine table 'albums' as an array of tables (first defined at line 1)"),
    .init("[fruit]\napple.color = \"red\"\n[[fruit.apple]]", 3, 9, "cannot redefine table 'fruit.apple' as an array of tables (first defined at line 2)"),
]

@Suite struct TOMLErrorCorpusTests {
    @Test(arguments: brokenDocuments)
    func reportsPositionAndMessage(_ broken: TOMLBrokenDocument) {
        #expect(throws: TOMLSyntaxError(position: SourcePosition(line: broken.line, column: broken.column), message: broken.message)) {
            try TOMLParser.parse(broken.text)
        }
    }

    @Test func corpusIsLargeEnough() {
        #expect(brokenDocuments.count >= 25)
    }

    @Test func errorDescriptionIsLineColonColumn() {
        let error = TOMLSyntaxError(position: SourcePosition(line: 3, column: 7), message: "expected a value")
        #expect(error.description == "3:7: expected a value")
    }
}
