import Testing
@testable import HotplugCore

struct JSONValueTests {
    @Test func writesAndReadsBack() throws {
        let value = JSONValue.object([
            ("name", .string("gamelink \"cable\"\n\u{1}é")), ("pid", .int(-42)), ("ok", .bool(true)),
            ("error", .null), ("devices", .array([.object([("restarts", .int(3))]), .array([])])), ("empty", .object([])),
        ])
        let text = value.serialized()
        #expect(text == #"{"name":"gamelink \"cable\"\n\u0001é","pid":-42,"ok":true,"error":null,"devices":[{"restarts":3},[]],"empty":{}}"#)
        let parsed = try #require(JSONValue(parsing: text))
        #expect(parsed == value)
        #expect(parsed["devices"]?.arrayValue?.first?["restarts"]?.intValue == 3)
        #expect(parsed["name"]?.stringValue == "gamelink \"cable\"\n\u{1}é")
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"open", "{\"a\":1} x", String(repeating: "[", count: 100) + String(repeating: "]", count: 100)])
    func refusesMalformed(_ text: String) {
        #expect(JSONValue(parsing: text) == nil)
    }
}
