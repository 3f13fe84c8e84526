import HotplugCore

/// Looks up "a/b/0/c" in a parsed document: table keys and array indices,
/// separated by '/' so that keys may contain dots.
enum TOMLLookup {
    struct Found {
        var keyPosition: SourcePosition?
        var node: TOMLNode
    }

    static func find(_ path: String, in table: TOMLTable) -> Found? {
        var found = Found(keyPosition: nil, node: TOMLNode(value: .table(table), position: SourcePosition(line: 1, column: 1)))
        for component in path.split(separator: "/", omittingEmptySubsequences: false).map(String.init) {
            switch found.node.value {
            case .table(let current):
                guard let entry = current[component] else { return nil }
                found = Found(keyPosition: entry.keyPosition, node: entry.node)
            case .array(let elements):
                guard let index = Int(component), elements.indices.contains(index) else { return nil }
                found = Found(keyPosition: nil, node: elements[index])
            default:
                return nil
            }
        }
        return found
    }
}

/// Valid documents shared by the value tests and the crash tests, which cut
/// and mutate them.
enum TOMLSampleDocuments {
    static let all = [keys, strings, numbers, datesAndBooleans, arrays, inlineTables, tables, arraysOfTables, dottedTables]

    static let keys = #"""
    # comment
    title = "TOML"   # trailing comment
    "quoted key" = 1
    'literal key' = 2
    site."google.com" = true
    a . b . c = 3
    bare_key-1 = 4
    1234 = 5
    "" = 6
    """#

    static let strings = #"""
    s1 = "tab\there \"q\" \\ \u00E9 \U0001F600"
    s2 = 'C:\path\no escapes'
    s3 = """
    first
      second"""
    s4 = """\
        joined \
        words"""
    s5 = '''
    raw \n ''two'' quotes'''
    s6 = """a""b"""""
    s7 = "\b\f\n\r"
    s8 = ""
    """#

    static let numbers = """
    i1 = +99
    i2 = -17
    i3 = 1_000_000
    i4 = 0xDEAD_beef
    i5 = 0o755
    i6 = 0b1101
    i7 = 9223372036854775807
    i8 = -9223372036854775808
    i9 = 0
    i10 = -0
    f1 = 3.1415
    f2 = -0.01
    f3 = 5e+22
    f4 = 1e06
    f5 = -2E-2
    f6 = 6.626e-34
    f7 = 224_617.445_991
    f8 = inf
    f9 = -inf
    f10 = nan
    f11 = +0.0
    f12 = 0e0
    """

    static let datesAndBooleans = """
    b1 = true
    b2 = false
    odt1 = 1979-05-27T07:32:00Z
    odt2 = 1979-05-27T00:32:00-07:00
    odt3 = 1979-05-27T00:32:00.999999+07:00
    odt4 = 1979-05-27 07:32:00Z
    ldt = 1979-05-27T07:32:00
    ld = 1979-05-27
    lt = 00:32:00.999999
    leap = 2000-02-29 # comment after a date
    """

    static let arrays = """
    a1 = [ 1, 2, 3 ]
    a2 = [ "x", 'y', \"\"\"z\"\"\" ]
    a3 = [ [ 1, 2 ], ["a"] ]
    a4 = [
      1,   # one
      2,   # two
    ]
    a5 = []
    a6 = [ { x = 1 }, 2.5 ]
    """

    static let inlineTables = """
    point = { x = 1, y = 2 }
    nested = { a.b = "c", d = { e = true } }
    empty = {}
    """

    static let tables = """
    [server]
    host = "h"

    [server.tls]
    cert = "c"

    [a.b.c]
    x = 1

    [a]
    y = 2

    [dog."tater.man"]
    type.name = "pug"
    """

    static let arraysOfTables = """
    [[products]]
    name = "Hammer"

    [[products]]

    [[products]]
    name = "Nail"
    sku = 284758393

    [[fruits]]
    name = "apple"
    [fruits.physical]
    color = "red"
    [[fruits.varieties]]
    name = "red delicious"
    [[fruits.varieties]]
    name = "granny smith"
    [[fruits]]
    name = "banana"
    """

    static let dottedTables = """
    [fruit]
    apple.color = "red"
    apple.taste.sweet = true
    [fruit.apple.texture]
    smooth = true
    """
}
