import Testing
@testable import HotplugCore

/// Tags and SYSTEMD_* properties are set after the generated rules (at 90)
/// run, so the tagging rule leaves them out and NAME= is not written
/// (issue 16, item 3).
struct UdevRuleTimingTests {
    @Test func aTagMatchIsLeftOutOfTheTaggingRule() throws {
        let text = try UdevRulesGeneratorTests.rules([("t.toml", """
            [match]
            subsystem = "net"
            kernel = "rgt*"
            tag = "systemd"
            property.SYSTEMD_ALIAS = "*"
            property.ID_NET_DRIVER = "veth"
            """)])
        #expect(text.contains(#"SUBSYSTEM=="net", KERNEL=="rgt*", ENV{ID_NET_DRIVER}=="veth", TAG+="hotplugd""#), "\(text)")
        #expect(!text.contains(#"TAG=="systemd""#))
        #expect(!text.contains("ENV{SYSTEMD_ALIAS}"))
        #expect(text.contains("# [match] tag, [match.property] SYSTEMD_ALIAS: set by udev after this file"))
    }

    /// NAME= on the wider match would rename devices the binding does not match.
    @Test func aFixedNameThatWouldNeedATagIsLeftToHotplugd() throws {
        let text = try UdevRulesGeneratorTests.rules([("t.toml", """
            [match]
            subsystem = "net"
            kernel = ["rgt*", "cable0"]
            tag = "systemd"
            [link]
            name = "cable0"
            """)])
        #expect(!text.contains(#"NAME="cable0""#), "\(text)")
        #expect(text.contains("# [link] name cable0: hotplugd names it; a NAME= here cannot test [match] tag."))
        #expect(text.contains(#"SUBSYSTEM=="net", KERNEL=="rgt*|cable0", TAG+="hotplugd""#))
    }
}
