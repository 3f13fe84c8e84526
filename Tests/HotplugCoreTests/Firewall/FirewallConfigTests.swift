import Testing
@testable import HotplugCore

/// `[firewall]`: every key decodes; every mistake is reported at its
/// `FILE:LINE:COL` with what to write instead.
struct FirewallConfigTests {
    static let head = "[match]\nsubsystem = \"net\"\n[firewall]\n"

    static func decode(_ text: String) -> Result<Configuration, ConfigErrors> {
        ConfigLoader.load([ConfigSource(path: "b.toml", text: text)])
    }

    static func errors(_ text: String) -> [String] {
        guard case .failure(let errors) = decode(text) else { return [] }
        return errors.diagnostics.map(\.description)
    }

    @Test func everyKeyDecodes() throws {
        let text = Self.head + """
            input = "restrict"
            forward = "restrict"
            allow-tcp = [8080, "27015-27030", "27020-27040", 8081]
            allow-udp = ["27015"]
            allow-icmp = true
            forward-to = ["docker0", "br-*"]
            accept-mark = "0x4000"
            """
        let configuration = try Self.decode(text).get()
        let firewall = try #require(configuration.bindings.first?.firewall)
        #expect(firewall.input == .restrict && firewall.forward == .restrict && firewall.allowICMP)
        #expect(firewall.allowTCP.map(\.description) == ["8080-8081", "27015-27040"], "sorted, overlaps and neighbours joined")
        #expect(firewall.allowUDP.map(\.description) == ["27015"])
        #expect(firewall.forwardTo == ["docker0", "br-*"])
        #expect(firewall.acceptMark == 0x4000)
    }

    @Test func defaultsAreOpen() throws {
        let firewall = try #require(try Self.decode(Self.head).get().bindings.first?.firewall)
        #expect(firewall == FirewallSettings() && !firewall.restrictsAnything)
        #expect(try Self.decode(Self.head + "input = \"restrict\"\naccept-mark = 16384\n").get().bindings[0].firewall?.acceptMark == 16384)
    }

    @Test(arguments: [
        ("input = \"closed\"", "b.toml:4:9: 'input' must be \"restrict\" or \"open\", not 'closed'"),
        ("input = \"restrict\"\nallow-tcp = [0]", "b.toml:5:14: port 0 in 'allow-tcp' is out of range (1 to 65535)"),
        ("input = \"restrict\"\nallow-tcp = [65536]", "b.toml:5:14: port 65536 in 'allow-tcp' is out of range (1 to 65535)"),
        ("input = \"restrict\"\nallow-udp = [\"30-20\"]", "b.toml:5:14: port range '30-20' in 'allow-udp' is reversed; write \"20-30\""),
        ("input = \"restrict\"\nallow-udp = [\"1-70000\"]", "b.toml:5:14: port range '1-70000' in 'allow-udp' is out of range (ports are 1 to 65535)"),
        ("input = \"restrict\"\nallow-udp = [\"http\"]", "b.toml:5:14: invalid port or range 'http' in 'allow-udp'; write a port (8080) or a range (\"27015-27030\")"),
        ("input = \"restrict\"\nallow-tcp = [1.5]", "b.toml:5:14: 'allow-tcp' must list ports (8080) or ranges (\"27015-27030\"), found a float"),
        ("input = \"restrict\"\nallow-tcp = 80", "b.toml:5:13: 'allow-tcp' must be a list of ports, e.g. [8080, \"27015-27030\"], found an integer"),
        ("input = \"restrict\"\naccept-mark = \"0\"", "b.toml:5:15: invalid 'accept-mark'; write a non-zero 32-bit mark such as \"0x4000\" (the host ruleset matches it with --mark 0x4000/0x4000)"),
        ("input = \"restrict\"\naccept-mark = \"0x100000000\"", "b.toml:5:15: invalid 'accept-mark'; write a non-zero 32-bit mark such as \"0x4000\" (the host ruleset matches it with --mark 0x4000/0x4000)"),
        ("input = \"restrict\"\naccept-mark = \"0xzz\"", "b.toml:5:15: invalid 'accept-mark'; write a non-zero 32-bit mark such as \"0x4000\" (the host ruleset matches it with --mark 0x4000/0x4000)"),
        ("input = \"restrict\"\naccept-mark = true", "b.toml:5:15: 'accept-mark' must be a mark such as \"0x4000\", found a boolean"),
        ("forward = \"restrict\"\nforward-to = [\"a\\\"b\"]", "b.toml:5:15: invalid 'forward-to' pattern 'a\"b'; write an interface name (letters, digits, '_', '.', '-', '@', '+'; at most 15) optionally ending in '*', e.g. \"br-*\""),
        ("forward = \"restrict\"\nforward-to = [\"br*x\"]", "b.toml:5:15: invalid 'forward-to' pattern 'br*x'; write an interface name (letters, digits, '_', '.', '-', '@', '+'; at most 15) optionally ending in '*', e.g. \"br-*\""),
        ("forward-to = [\"docker0\"]", "b.toml:4:14: 'forward-to' has effect only with forward = \"restrict\""),
        ("allow-tcp = [22]", "b.toml:4:1: 'allow-tcp' has effect only when input or forward is \"restrict\" (both are \"open\")"),
        ("input = \"restrict\"\nallow-tpc = [22]", "b.toml:5:1: unknown key 'allow-tpc' in [firewall]; did you mean 'allow-tcp'?"),
    ])
    func mistakesAreReportedWhereTheyAre(_ body: String, _ expected: String) {
        #expect(Self.errors(Self.head + body + "\n") == [expected])
    }

    @Test func firewallIsForNetworkInterfacesOnly() {
        #expect(Self.errors("[match]\nsubsystem = \"tty\"\n[firewall]\ninput = \"restrict\"\n") == [
            "b.toml:3:1: [firewall] applies to network interfaces only, but [match] subsystem is \"tty\"; set subsystem = \"net\" or remove [firewall]",
        ])
    }
}
