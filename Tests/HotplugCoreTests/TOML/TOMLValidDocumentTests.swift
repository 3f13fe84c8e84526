import HotplugCore
import Testing

/// One expectation about a parsed document: the value at a path, where its
/// key was written and where the value starts.
struct TOMLValueCheck: Sendable, CustomTestStringConvertible {
    enum Expected: Sendable {
        case value(TOMLValue)
        case type(String)
        case notANumber
    }

    var document: String
    var path: String
    var expected: Expected
    var keyPosition: SourcePosition?
    var valuePosition: SourcePosition

    var testDescription: String { path }
}

private func check(_ document: String, _ path: String, _ expected: TOMLValueCheck.Expected,
                   key: SourcePosition?, value: SourcePosition) -> TOMLValueCheck {
    TOMLValueCheck(document: document, path: path, expected: expected, keyPosition: key, valuePosition: value)
}

private func at(_ line: Int, _ column: Int) -> SourcePosition {
    SourcePosition(line: line, column: column)
}

private typealias Docs = TOMLSampleDocuments

private let checks: [TOMLValueCheck] = [
    // Keys and comments.
    check(Docs.keys, "title", .value(.string("TOML")), key: at(2, 1), value: at(2, 9)),
    check(Docs.keys, "quoted key", .value(.integer(1)), key: at(3, 1), value: at(3, 16)),
    check(Docs.keys, "literal key", .value(.integer(2)), key: at(4, 1), value: at(4, 17)),
    check(Docs.keys, "site", .type("table"), key: at(5, 1), value: at(5, 1)),
    check(Docs.keys, "site/google.com", .value(.boolean(true)), key: at(5, 6), value: at(5, 21)),
    check(Docs.keys, "a/b", .type("table"), key: at(6, 5), value: at(6, 5)),
    check(Docs.keys, "a/b/c", .value(.integer(3)), key: at(6, 9), value: at(6, 13)),
    check(Docs.keys, "bare_key-1", .value(.integer(4)), key: at(7, 1), value: at(7, 14)),
    check(Docs.keys, "1234", .value(.integer(5)), key: at(8, 1), value: at(8, 8)),
    check(Docs.keys, "", .value(.integer(6)), key: at(9, 1), value: at(9, 6)),

    // Strings.
    check(Docs.strings, "s1", .value(.string("tab\there \"q\" \\ \u{E9} \u{1F600}")), key: at(1, 1), value: at(1, 6)),
    check(Docs.strings, "s2", .value(.string(#"C:\path\no escapes"#)), key: at(2, 1), value: at(2, 6)),
    check(Docs.strings, "s3", .value(.string("first\n  second")), key: at(3, 1), value: at(3, 6)),
    check(Docs.strings, "s4", .value(.string("joined words")), key: at(6, 1), value: at(6, 6)),
    check(Docs.strings, "s5", .value(.string(#"raw \n ''two'' quotes"#)), key: at(9, 1), value: at(9, 6)),
    check(Docs.strings, "s6", .value(.string(#"a""b"""#)), key: at(11, 1), value: at(11, 6)),
    check(Docs.strings, "s7", .value(.string("\u{8}\u{C}\n\r")), key: at(12, 1), value: at(12, 6)),
    check(Docs.strings, "s8", .value(.string("")), key: at(13, 1), value: at(13, 6)),

    // Integers and floats.
    check(Docs.numbers, "i1", .value(.integer(99)), key: at(1, 1), value: at(1, 6)),
    check(Docs.numbers, "i2", .value(.integer(-17)), key: at(2, 1), value: at(2, 6)),
    check(Docs.numbers, "i3", .value(.integer(1_000_000)), key: at(3, 1), value: at(3, 6)),
    check(Docs.numbers, "i4", .value(.integer(0xDEAD_BEEF)), key: at(4, 1), value: at(4, 6)),
    check(Docs.numbers, "i5", .value(.integer(0o755)), key: at(5, 1), value: at(5, 6)),
    check(Docs.numbers, "i6", .value(.integer(0b1101)), key: at(6, 1), value: at(6, 6)),
    check(Docs.numbers, "i7", .value(.integer(Int64.max)), key: at(7, 1), value: at(7, 6)),
    check(Docs.numbers, "i8", .value(.integer(Int64.min)), key: at(8, 1), value: at(8, 6)),
    check(Docs.numbers, "i9", .value(.integer(0)), key: at(9, 1), value: at(9, 6)),
    check(Docs.numbers, "i10", .value(.integer(0)), key: at(10, 1), value: at(10, 7)),
    check(Docs.numbers, "f1", .value(.float(3.1415)), key: at(11, 1), value: at(11, 6)),
    check(Docs.numbers, "f2", .value(.float(-0.01)), key: at(12, 1), value: at(12, 6)),
    check(Docs.numbers, "f3", .value(.float(5e22)), key: at(13, 1), value: at(13, 6)),
    check(Docs.numbers, "f4", .value(.float(1e6)), key: at(14, 1), value: at(14, 6)),
    check(Docs.numbers, "f5", .value(.float(-0.02)), key: at(15, 1), value: at(15, 6)),
    check(Docs.numbers, "f6", .value(.float(6.626e-34)), key: at(16, 1), value: at(16, 6)),
    check(Docs.numbers, "f7", .value(.float(224_617.445_991)), key: at(17, 1), value: at(17, 6)),
    check(Docs.numbers, "f8", .value(.float(.infinity)), key: at(18, 1), value: at(18, 6)),
    check(Docs.numbers, "f9", .value(.float(-.infinity)), key: at(19, 1), value: at(19, 6)),
    check(Docs.numbers, "f10", .notANumber, key: at(20, 1), value: at(20, 7)),
    check(Docs.numbers, "f11", .value(.float(0)), key: at(21, 1), value: at(21, 7)),
    check(Docs.numbers, "f12", .value(.float(0)), key: at(22, 1), value: at(22, 7)),

    // Booleans and date-times.
    check(Docs.datesAndBooleans, "b1", .value(.boolean(true)), key: at(1, 1), value: at(1, 6)),
    check(Docs.datesAndBooleans, "b2", .value(.boolean(false)), key: at(2, 1), value: at(2, 6)),
    check(Docs.datesAndBooleans, "odt1", .value(.datetime("1979-05-27T07:32:00Z")), key: at(3, 1), value: at(3, 8)),
    check(Docs.datesAndBooleans, "odt2", .value(.datetime("1979-05-27T00:32:00-07:00")), key: at(4, 1), value: at(4, 8)),
    check(Docs.datesAndBooleans, "odt3", .value(.datetime("1979-05-27T00:32:00.999999+07:00")), key: at(5, 1), value: at(5, 8)),
    check(Docs.datesAndBooleans, "odt4", .value(.datetime("1979-05-27 07:32:00Z")), key: at(6, 1), value: at(6, 8)),
    check(Docs.datesAndBooleans, "ldt", .value(.datetime("1979-05-27T07:32:00")), key: at(7, 1), value: at(7, 7)),
    check(Docs.datesAndBooleans, "ld", .value(.datetime("1979-05-27")), key: at(8, 1), value: at(8, 6)),
    check(Docs.datesAndBooleans, "lt", .value(.datetime("00:32:00.999999")), key: at(9, 1), value: at(9, 6)),
    check(Docs.datesAndBooleans, "leap", .value(.datetime("2000-02-29")), key: at(10, 1), value: at(10, 8)),

    // Arrays.
    check(Docs.arrays, "a1", .value(.array([
        TOMLNode(value: .integer(1), position: at(1, 8)),
        TOMLNode(value: .integer(2), position: at(1, 11)),
        TOMLNode(value: .integer(3), position: at(1, 14)),
    ])), key: at(1, 1), value: at(1, 6)),
    check(Docs.arrays, "a2/0", .value(.string("x")), key: nil, value: at(2, 8)),
    check(Docs.arrays, "a2/1", .value(.string("y")), key: nil, value: at(2, 13)),
    check(Docs.arrays, "a2/2", .value(.string("z")), key: nil, value: at(2, 18)),
    check(Docs.arrays, "a3/0/1", .value(.integer(2)), key: nil, value: at(3, 13)),
    check(Docs.arrays, "a3/1/0", .value(.string("a")), key: nil, value: at(3, 19)),
    check(Docs.arrays, "a4", .type("array"), key: at(4, 1), value: at(4, 6)),
    check(Docs.arrays, "a4/0", .value(.integer(1)), key: nil, value: at(5, 3)),
    check(Docs.arrays, "a4/1", .value(.integer(2)), key: nil, value: at(6, 3)),
    check(Docs.arrays, "a5", .value(.array([])), key: at(8, 1), value: at(8, 6)),
    check(Docs.arrays, "a6/0/x", .value(.integer(1)), key: at(9, 10), value: at(9, 14)),
    check(Docs.arrays, "a6/1", .value(.float(2.5)), key: nil, value: at(9, 19)),

    // Inline tables.
    check(Docs.inlineTables, "point", .type("table"), key: at(1, 1), value: at(1, 9)),
    check(Docs.inlineTables, "point/x", .value(.integer(1)), key: at(1, 11), value: at(1, 15)),
    check(Docs.inlineTables, "point/y", .value(.integer(2)), key: at(1, 18), value: at(1, 22)),
    check(Docs.inlineTables, "nested/a", .type("table"), key: at(2, 12), value: at(2, 12)),
    check(Docs.inlineTables, "nested/a/b", .value(.string("c")), key: at(2, 14), value: at(2, 18)),
    check(Docs.inlineTables, "nested/d/e", .value(.boolean(true)), key: at(2, 29), value: at(2, 33)),
    check(Docs.inlineTables, "empty", .value(.table(TOMLTable())), key: at(3, 1), value: at(3, 9)),

    // Tables.
    check(Docs.tables, "server", .type("table"), key: at(1, 2), value: at(1, 1)),
    check(Docs.tables, "server/host", .value(.string("h")), key: at(2, 1), value: at(2, 8)),
    check(Docs.tables, "server/tls", .type("table"), key: at(4, 9), value: at(4, 1)),
    check(Docs.tables, "server/tls/cert", .value(.string("c")), key: at(5, 1), value: at(5, 8)),
    // `a` is created by [a.b.c] and defined later by [a].
    check(Docs.tables, "a", .type("table"), key: at(10, 2), value: at(10, 1)),
    check(Docs.tables, "a/b", .type("table"), key: at(7, 4), value: at(7, 4)),
    check(Docs.tables, "a/b/c", .type("table"), key: at(7, 6), value: at(7, 1)),
    check(Docs.tables, "a/b/c/x", .value(.integer(1)), key: at(8, 1), value: at(8, 5)),
    check(Docs.tables, "a/y", .value(.integer(2)), key: at(11, 1), value: at(11, 5)),
    check(Docs.tables, "dog/tater.man", .type("table"), key: at(13, 6), value: at(13, 1)),
    check(Docs.tables, "dog/tater.man/type/name", .value(.string("pug")), key: at(14, 6), value: at(14, 13)),

    // Arrays of tables.
    check(Docs.arraysOfTables, "products", .type("array"), key: at(1, 3), value: at(1, 1)),
    check(Docs.arraysOfTables, "products/0/name", .value(.string("Hammer")), key: at(2, 1), value: at(2, 8)),
    check(Docs.arraysOfTables, "products/1", .value(.table(TOMLTable())), key: nil, value: at(4, 1)),
    check(Docs.arraysOfTables, "products/2", .type("table"), key: nil, value: at(6, 1)),
    check(Docs.arraysOfTables, "products/2/sku", .value(.integer(284_758_393)), key: at(8, 1), value: at(8, 7)),
    check(Docs.arraysOfTables, "fruits/0/name", .value(.string("apple")), key: at(11, 1), value: at(11, 8)),
    check(Docs.arraysOfTables, "fruits/0/physical", .type("table"), key: at(12, 9), value: at(12, 1)),
    check(Docs.arraysOfTables, "fruits/0/physical/color", .value(.string("red")), key: at(13, 1), value: at(13, 9)),
    check(Docs.arraysOfTables, "fruits/0/varieties/0/name", .value(.string("red delicious")), key: at(15, 1), value: at(15, 8)),
    check(Docs.arraysOfTables, "fruits/0/varieties/1", .type("table"), key: nil, value: at(16, 1)),
    check(Docs.arraysOfTables, "fruits/0/varieties/1/name", .value(.string("granny smith")), key: at(17, 1), value: at(17, 8)),
    check(Docs.arraysOfTables, "fruits/1/name", .value(.string("banana")), key: at(19, 1), value: at(19, 8)),

    // Dotted keys make tables that a later header may add sub-tables to.
    check(Docs.dottedTables, "fruit/apple", .type("table"), key: at(2, 1), value: at(2, 1)),
    check(Docs.dottedTables, "fruit/apple/color", .value(.string("red")), key: at(2, 7), value: at(2, 15)),
    check(Docs.dottedTables, "fruit/apple/taste/sweet", .value(.boolean(true)), key: at(3, 13), value: at(3, 21)),
    check(Docs.dottedTables, "fruit/apple/texture", .type("table"), key: at(4, 14), value: at(4, 1)),
    check(Docs.dottedTables, "fruit/apple/texture/smooth", .value(.boolean(true)), key: at(5, 1), value: at(5, 10)),

    // Line endings, byte-order mark, tabs.
    check("\u{FEFF}a = 1\r\nb = \"x\"\r\n", "b", .value(.string("x")), key: at(2, 1), value: at(2, 5)),
    check("s = \"\"\"\r\nx\r\ny\"\"\"\r\n", "s", .value(.string("x\ny")), key: at(1, 1), value: at(1, 5)),
    check("\tk\t=\t\"v\"\t#\tc", "k", .value(.string("v")), key: at(1, 2), value: at(1, 6)),
    check("name = \"é\"\nx = 1", "x", .value(.integer(1)), key: at(2, 1), value: at(2, 5)),
    check("a = \"ü\"\nb = 'é' # après\nc = 3", "c", .value(.integer(3)), key: at(3, 1), value: at(3, 5)),
    check("\"ünïcode\" = \"x\"\n\"ké\" = 2", "ké", .value(.integer(2)), key: at(2, 1), value: at(2, 8)),
]

@Suite struct TOMLValidDocumentTests {
    @Test(arguments: checks)
    func valueAndPositions(_ check: TOMLValueCheck) throws {
        let document = try TOMLParser.parse(check.document)
        let found = try #require(TOMLLookup.find(check.path, in: document), "no value at '\(check.path)'")
        switch check.expected {
        case .value(let value): #expect(found.node.value == value)
        case .type(let name): #expect(found.node.value.typeName == name)
        case .notANumber:
            guard case .float(let number) = found.node.value else {
                Issue.record("expected a float, found \(found.node.value.typeName)")
                return
            }
            #expect(number.isNaN)
        }
        #expect(found.keyPosition == check.keyPosition)
        #expect(found.node.position == check.valuePosition)
    }

    @Test(arguments: TOMLSampleDocuments.all)
    func sampleDocumentsParse(_ document: String) throws {
        _ = try TOMLParser.parse(document)
    }

    @Test func entriesKeepDocumentOrder() throws {
        let document = try TOMLParser.parse(TOMLSampleDocuments.tables)
        #expect(document.keys == ["server", "a", "dog"])
        #expect(try TOMLParser.parse(TOMLSampleDocuments.keys).keys == ["title", "quoted key", "literal key", "site", "a", "bare_key-1", "1234", ""])
    }

    @Test func wholeDocumentEquality() throws {
        let document = try TOMLParser.parse("[t]\nk = [1, { v = 'x' }]\n")
        let inline = TOMLTable(entries: [
            TOMLEntry(key: "v", keyPosition: at(2, 11), node: TOMLNode(value: .string("x"), position: at(2, 15))),
        ])
        let t = TOMLTable(entries: [
            TOMLEntry(key: "k", keyPosition: at(2, 1), node: TOMLNode(value: .array([
                TOMLNode(value: .integer(1), position: at(2, 6)),
                TOMLNode(value: .table(inline), position: at(2, 9)),
            ]), position: at(2, 5))),
        ])
        #expect(document == TOMLTable(entries: [
            TOMLEntry(key: "t", keyPosition: at(1, 2), node: TOMLNode(value: .table(t), position: at(1, 1))),
        ]))
    }

    @Test(arguments: ["", "\n\n", "# only a comment", "   \t\n# c\r\n"])
    func emptyDocuments(_ text: String) throws {
        #expect(try TOMLParser.parse(text) == TOMLTable())
    }

    @Test func sixtyFourNestedArraysAreAllowed() throws {
        let text = "a = " + String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        var node = try #require(try TOMLParser.parse(text)["a"]).node
        var depth = 0
        while case .array(let elements) = node.value {
            depth += 1
            guard let first = elements.first else { break }
            node = first
        }
        #expect(depth == 64)
    }

    @Test func implicitTablesMayBeDefinedOnceLater() throws {
        let document = try TOMLParser.parse("[x.y.z]\n[x]\n[[a.b]]\n[a]\nk = 1\n")
        #expect(TOMLLookup.find("a/k", in: document)?.node.value == .integer(1))
        #expect(TOMLLookup.find("a/b/0", in: document)?.node.position == at(3, 1))
    }

    @Test func dottedKeysMayExtendTablesImplicitlyCreatedByHeaders() throws {
        let document = try TOMLParser.parse("[a.b.c]\n[a]\nb.x = 1\n[a.b.c.d]\n")
        #expect(TOMLLookup.find("a/b/x", in: document)?.node.value == .integer(1))
        #expect(TOMLLookup.find("a/b/c/d", in: document)?.node.position == at(4, 1))
    }

    @Test func typeNames() {
        let values: [TOMLValue] = [.string(""), .integer(0), .float(0), .boolean(true), .datetime("1979-05-27"), .array([]), .table(TOMLTable())]
        #expect(values.map(\.typeName) == ["string", "integer", "float", "boolean", "datetime", "array", "table"])
        #expect(values.map(\.typeNameWithArticle) == ["a string", "an integer", "a float", "a boolean", "a datetime", "an array", "a table"])
    }
}
