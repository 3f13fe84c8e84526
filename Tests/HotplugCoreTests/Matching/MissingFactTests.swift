import Testing
@testable import HotplugCore

/// The one rule for facts a device lacks (issue 16, item 8), as udev has it:
/// a missing property is the empty string (ENV{}), a missing sysfs attribute
/// fails every pattern (ATTRS{}), "" and negations included.
struct MissingFactTests {
    static func rules(attribute: String? = nil, property: String? = nil) -> MatchRules {
        MatchRules(subsystem: PatternList(["net"]),
                   properties: property.map { [KeyedPatterns(key: "ID_X", patterns: PatternList([$0]))] } ?? [],
                   attributes: attribute.map { [KeyedPatterns(key: "x", patterns: PatternList([$0]))] } ?? [])
    }

    static func device(attribute: String?) -> DeviceFacts {
        var device = FakeDevices.veth("mf0")
        if let attribute { device.attributes["x"] = attribute }
        return device
    }

    @Test(arguments: ["", "*", "!y"])
    func aMissingAttributeMatchesNothing(_ pattern: String) {
        let verdict = Matcher.verdict(Self.rules(attribute: pattern), Self.device(attribute: nil))
        #expect(!verdict.matched)
        #expect(!Matcher.matches(Self.rules(attribute: pattern), Self.device(attribute: nil)))
        #expect(verdict.explanation.contains("neither the device nor a parent has the attribute"), "\(verdict.explanation)")
    }

    @Test(arguments: ["", "*", "!y"])
    func anEmptyAttributeIsThere(_ pattern: String) {
        #expect(Matcher.verdict(Self.rules(attribute: pattern), Self.device(attribute: "")).matched)
        #expect(Matcher.matches(Self.rules(attribute: pattern), Self.device(attribute: "")))
    }

    @Test(arguments: ["", "*", "!y"])
    func aMissingPropertyIsTheEmptyString(_ pattern: String) {
        #expect(Matcher.verdict(Self.rules(property: pattern), Self.device(attribute: nil)).matched)
        #expect(Matcher.matches(Self.rules(property: pattern), Self.device(attribute: nil)))
    }
}
