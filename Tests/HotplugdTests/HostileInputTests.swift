import Foundation
import Testing
import TestSupport

/// Hostile udev properties (set by a test udev rule) reach children
/// literally, or are refused with a log line; never through a shell.
@Suite(.needsUdevd, .serialized)
struct HostileInputTests {
    @Test func hostilePropertiesReachTheChildLiterallyOrAreRefused() throws {
        let fixture = try DaemonFixture(prefix: "hve")
        defer { fixture.cleanUp() }
        // udevd keeps property values under 512 bytes; the 4 KiB value comes
        // from the binding, with the device's longest value expanded into it.
        let big = String(repeating: "x", count: 500)
        let padding = String(repeating: "y", count: 4096)
        let meta = #"a;b $(touch /tmp/hotplugd-hve-pwned) `id` 'q' | & > ../../etc"#
        let rules = try InstalledRules(position: "85", name: "hostile", text: """
            SUBSYSTEM=="net", KERNEL=="hve*", ENV{HOSTILE_BIG}="\(big)", ENV{HOSTILE_META}="\(meta)", ENV{HOSTILE_BYTES}=e"ok\\xff\\xfe"

            """)
        defer { rules.remove() }
        let child = try fixture.script("child.sh", """
            echo "big:${#HOSTILE_BIG} huge:${#HUGE}"
            printf 'meta:[%s]\\n' "$HOSTILE_META"
            printf 'arg:[%s]\\n' "$1"
            echo "bytes:${HOSTILE_BYTES-unset}"
            """)
        try fixture.bindings(["cable.toml": """
            [match]
            subsystem = "net"
            kernel = "hve*"
            [exec]
            command = ["\(child)", "{property:HOSTILE_META}"]
            environment = { HUGE = "\(padding){property:HOSTILE_BIG}" }
            restart = "no"
            """])
        try fixture.start()
        let veth = try VethPair(prefix: "hve")
        defer { veth.delete() }
        #expect(fixture.waitForLog("big:500 huge:4596") != nil, "\(fixture.logLines(containing: "big:"))")
        #expect(fixture.waitForLog("meta:[\(meta)]") != nil)
        #expect(fixture.waitForLog("arg:[\(meta)]") != nil, "a placeholder stays one argument")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/hotplugd-hve-pwned"))
        // udev's e"" escapes give a value that is not UTF-8: left out, and said so.
        #expect(fixture.waitForLog("bytes:unset") != nil)
        #expect(fixture.waitForLog("ignoring udev properties that are not valid UTF-8: HOSTILE_BYTES") != nil)
    }

    @Test func invalidRenameTargetIsRefusedAtLoad() throws {
        let directory = try TemporaryDirectory()
        try directory.write("bad.toml", "[match]\nsubsystem = \"net\"\n[link]\nname = \"a/b{n}\"\n")
        let result = try HotplugdBinary.run("check", "--config", directory.path)
        #expect(result.status == 1)
        #expect(result.stderr.contains("invalid [link] name: interface name 'a/b9999' contains '/'"))
    }
}
