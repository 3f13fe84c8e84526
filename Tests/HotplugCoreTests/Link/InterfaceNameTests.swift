import HotplugCore
import Testing

@Suite("InterfaceName.validate")
struct InterfaceNameTests {
    @Test(
        "valid names",
        arguments: [
            "eth0", "gamelink0", "a", "x23456789012345", "veth-a_b.c", "...", "wlp3s0", "br@lan", "UPPER+lower=1",
        ])
    func validName(name: String) {
        #expect(InterfaceName.validate(name) == nil)
    }

    /// Name, then the exact reason.
    static let invalidNames: [(String, String)] = [
        ("", "interface name is empty"),
        (".", "interface name '.' is reserved"),
        ("..", "interface name '..' is reserved"),
        ("x234567890123456", "interface name 'x234567890123456' is longer than 15 bytes"),
        ("gamelinkgamelink0", "interface name 'gamelinkgamelink0' is longer than 15 bytes"),
        // 8 characters but 16 UTF-8 bytes: the limit is in bytes.
        (
            "éééééééé",
            "interface name '\\xc3\\xa9\\xc3\\xa9\\xc3\\xa9\\xc3\\xa9\\xc3\\xa9\\xc3\\xa9\\xc3\\xa9\\xc3\\xa9' is longer than 15 bytes"
        ),
        ("eth/0", "interface name 'eth/0' contains '/'"),
        ("eth:0", "interface name 'eth:0' contains ':'"),
        ("eth 0", "interface name 'eth 0' contains whitespace"),
        ("eth\t0", "interface name 'eth\\x090' contains whitespace"),
        ("eth0\n", "interface name 'eth0\\x0a' contains whitespace"),
        ("eth\u{0B}0", "interface name 'eth\\x0b0' contains whitespace"),
        ("eth\u{1B}0", "interface name 'eth\\x1b0' contains a control character"),
        ("eth\u{0}0", "interface name 'eth\\x000' contains a control character"),
        ("eth\u{7F}", "interface name 'eth\\x7f' contains a control character"),
        ("café", "interface name 'caf\\xc3\\xa9' contains non-ASCII characters"),
        ("eth\u{A0}0", "interface name 'eth\\xc2\\xa00' contains non-ASCII characters"),
        ("eth%d", "interface name 'eth%d' contains '%', which the kernel treats as a name template"),
    ]

    @Test("invalid names with their reasons", arguments: invalidNames)
    func invalidName(name: String, reason: String) {
        #expect(InterfaceName.validate(name) == reason)
    }
}
