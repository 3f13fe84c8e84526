import Testing
@testable import HotplugCore

/// Broken bindings, each with the exact `FILE:LINE:COL: message` a user sees.
struct ConfigErrorCorpusTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var expected: [String]
        var testDescription: String { name }
    }

    static let minimalExec = """
        [match]
        subsystem = "net"
        [exec]
        command = ["/bin/true"]

        """

    static let cases: [Case] = [
        Case(name: "hd restart-delay below the floor", text: minimalExec + "restart-delay = \"0s\"\n",
             expected: ["b.toml:5:17: 'restart-delay' is 0s: a child that exits at once would be restarted thousands of times a second; give at least 100ms"]),
        Case(name: "hd one port twice on overlapping addresses", text: "[match]\nsubsystem = \"net\"\n[exec]\ncommand = [\"/bin/true\"]\n[listen]\nstream = [\"8080\", \"0.0.0.0:8080\"]\n",
             expected: ["b.toml:6:19: '0.0.0.0:8080' and '8080' in 'stream' are the same port on overlapping addresses: the second bind would fail at every plug (\"PORT\" alone already takes every address)"]),
        Case(name: "lt [::] is dual-stack, so it overlaps IPv4 on its port", text: "[match]\nsubsystem = \"net\"\n[exec]\ncommand = [\"/bin/true\"]\n[listen]\nstream = [\"127.0.0.1:8080\", \"[::]:8080\"]\n",
             expected: ["b.toml:6:29: '[::]:8080' and '127.0.0.1:8080' in 'stream' are the same port on overlapping addresses: the second bind would fail at every plug (\"PORT\" alone already takes every address)"]),
        Case(name: "unknown top-level key with suggestion", text: """
            [match]
            subsystem = "net"
            [exce]
            command = ["/bin/true"]
            """, expected: ["b.toml:3:2: unknown key 'exce' in the top level; did you mean 'exec'?"]),
        Case(name: "unknown match key with suggestion", text: """
            [match]
            subsystem = "net"
            usb-vendr = "067b"
            """, expected: ["b.toml:3:1: unknown key 'usb-vendr' in [match]; did you mean 'usb-vendor'?"]),
        Case(name: "unknown exec key without suggestion", text: minimalExec + "frobnicate = 1\n",
             expected: ["b.toml:5:1: unknown key 'frobnicate' in [exec]"]),
        Case(name: "misspelt stop-timeout", text: minimalExec + "stop-timout = \"5s\"\n",
             expected: ["b.toml:5:1: unknown key 'stop-timout' in [exec]; did you mean 'stop-timeout'?"]),
        Case(name: "missing match", text: "description = \"x\"\n",
             expected: ["b.toml:1:1: missing [match] table; a binding needs at least [match] subsystem = \"...\""]),
        Case(name: "missing subsystem", text: "[match]\nkernel = \"eth*\"\n",
             expected: ["b.toml: [match] needs 'subsystem' (e.g. subsystem = \"net\")"]),
        Case(name: "subsystem wrong type", text: "[match]\nsubsystem = 3\n",
             expected: ["b.toml:2:13: 'subsystem' must be a string or a list of strings, found an integer"]),
        Case(name: "empty list", text: "[match]\nsubsystem = []\n",
             expected: ["b.toml:2:13: 'subsystem' is an empty list; give at least one value or remove the key"]),
        Case(name: "list with a non-string", text: "[match]\nsubsystem = [\"net\", 4]\n",
             expected: ["b.toml:2:21: 'subsystem' must list strings, found an integer"]),
        Case(name: "uppercase usb-vendor", text: "[match]\nsubsystem = \"usb\"\nusb-vendor = \"067B\"\n",
             expected: ["b.toml:3:14: 'usb-vendor' is 4 lowercase hex digits as sysfs idVendor shows it (e.g. \"067b\"), not '067B'"]),
        Case(name: "description wrong type", text: "description = true\n[match]\nsubsystem = \"net\"\n",
             expected: ["b.toml:1:15: 'description' must be a string, found a boolean"]),
        Case(name: "bad duration", text: minimalExec + "stop-timeout = \"5 seconds\"\n",
             expected: ["b.toml:5:16: invalid duration '5 seconds' for 'stop-timeout'; write it like \"500ms\", \"5s\" or \"2m\" (at most 24h)"]),
        Case(name: "duration as integer", text: minimalExec + "settle = 5\n",
             expected: ["b.toml:5:10: 'settle' must be a string, found an integer"]),
        Case(name: "bad restart policy", text: minimalExec + "restart = \"sometimes\"\n",
             expected: ["b.toml:5:11: 'restart' must be \"no\", \"on-failure\" or \"always\", not 'sometimes'"]),
        Case(name: "bad signal", text: minimalExec + "stop-signal = \"SIGFOO\"\n",
             expected: ["b.toml:5:15: unknown signal 'SIGFOO' for 'stop-signal'; e.g. \"SIGTERM\", \"SIGINT\", \"SIGHUP\""]),
        Case(name: "unknown placeholder", text: """
            [match]
            subsystem = "net"
            [exec]
            command = ["/bin/echo", "up {interfase}"]
            """, expected: ["b.toml:4:29: unknown placeholder '{interfase}'; did you mean '{interface}'?"]),
        Case(name: "unterminated placeholder", text: """
            [match]
            subsystem = "net"
            [exec]
            command = ["/bin/echo", "{interface"]
            """, expected: ["b.toml:4:26: unterminated placeholder (write '{{' for a literal brace)"]),
        Case(name: "{n} outside link name", text: """
            [match]
            subsystem = "net"
            [exec]
            command = ["/bin/echo", "{n}"]
            """, expected: ["b.toml:4:26: {n} is only valid in [link] name"]),
        Case(name: "empty command", text: "[match]\nsubsystem = \"net\"\n[exec]\ncommand = []\n",
             expected: ["b.toml:4:11: 'command' is empty; give the program and its arguments, e.g. [\"/usr/bin/logger\", \"{interface}\"]"]),
        Case(name: "exec without command", text: "[match]\nsubsystem = \"net\"\n[exec]\nrestart = \"no\"\n",
             expected: ["b.toml: [exec] needs 'command', the program and its arguments as a list"]),
        Case(name: "command is a string", text: "[match]\nsubsystem = \"net\"\n[exec]\ncommand = \"/bin/true --x\"\n",
             expected: ["b.toml:4:11: 'command' must be a list of strings, found a string"]),
        Case(name: "relative working directory", text: minimalExec + "working-directory = \"tmp\"\n",
             expected: ["b.toml:5:21: 'working-directory' must be an absolute path"]),
        Case(name: "bad environment name", text: minimalExec + "environment = { \"1X\" = \"y\" }\n",
             expected: ["b.toml:5:17: '1X' is not a valid environment variable name (letters, digits, '_', not starting with a digit)"]),
        Case(name: "link on a tty binding", text: "[match]\nsubsystem = \"tty\"\n[link]\nname = \"x{n}\"\n",
             expected: ["b.toml:3:1: [link] applies to network interfaces only, but [match] subsystem is \"tty\"; set subsystem = \"net\" or remove [link]"]),
        Case(name: "interface name too long", text: "[match]\nsubsystem = \"net\"\n[link]\nname = \"averyveryverylongname\"\n",
             expected: ["b.toml:4:8: invalid [link] name: interface name 'averyveryverylongname' is longer than 15 bytes"]),
        Case(name: "interface name in kernel namespace", text: "[match]\nsubsystem = \"net\"\n[link]\nname = \"eth{n}\"\n",
             expected: ["b.toml:4:8: invalid [link] name: 'eth{n}' is in the kernel's own namespace (eth, usb, wlan + digits); pick a name the kernel will not hand out"]),
        Case(name: "other placeholder in link name", text: "[match]\nsubsystem = \"net\"\n[link]\nname = \"x{sysname}\"\n",
             expected: ["b.toml:4:8: invalid [link] name: only {n} is allowed in [link] name, not {sysname}"]),
        Case(name: "mtu out of range", text: "[match]\nsubsystem = \"net\"\n[link]\nmtu = 10\n",
             expected: ["b.toml:4:7: mtu 10 is out of range (68 to 65535)"]),
        Case(name: "bad address", text: "[match]\nsubsystem = \"net\"\n[link]\naddresses = [\"10.0.0.1/24\", \"10.0.0.300/24\"]\n",
             expected: ["b.toml:4:29: invalid address '10.0.0.300/24'; write an IPv4 or IPv6 address with its prefix length, e.g. \"10.42.0.1/24\" or \"fd42::1/64\""]),
        Case(name: "up is a string", text: "[match]\nsubsystem = \"net\"\n[link]\nup = \"yes\"\n",
             expected: ["b.toml:4:6: 'up' must be true or false, found a string"]),
        Case(name: "delay max below delay", text: minimalExec + "restart-delay = \"10s\"\nrestart-delay-max = \"1s\"\n",
             expected: ["b.toml:6:21: 'restart-delay-max' (1s) is shorter than 'restart-delay' (10s)"]),
        Case(name: "TOML syntax error", text: "[match]\nsubsystem = \"net\n",
             expected: ["b.toml:2:13: unterminated string"]),
        Case(name: "several errors in one file", text: """
            [match]
            subsystem = "net"
            kernal = "x"
            [exec]
            command = ["/bin/true"]
            restart = "maybe"
            """, expected: [
                "b.toml:3:1: unknown key 'kernal' in [match]; did you mean 'kernel'?",
                "b.toml:6:11: 'restart' must be \"no\", \"on-failure\" or \"always\", not 'maybe'",
            ]),
    ]

    @Test(arguments: cases)
    func reportsExactPositionAndMessage(_ testCase: Case) {
        let result = ConfigLoader.load([ConfigSource(path: "b.toml", text: testCase.text)])
        guard case .failure(let errors) = result else {
            Issue.record("expected errors for \(testCase.name)")
            return
        }
        #expect(errors.diagnostics.map(\.description) == testCase.expected)
    }

    @Test func reportsErrorsOfEveryFileInOneRun() {
        let result = ConfigLoader.load([
            ConfigSource(path: "/etc/hotplugd/a.toml", text: "[match]\nsubsytem = \"net\"\n"),
            ConfigSource(path: "/etc/hotplugd/b.toml", text: "[match]\nsubsystem = \"net\"\n[exec]\ncommand = [\"{x}\"]\n"),
        ])
        guard case .failure(let errors) = result else { Issue.record("expected errors"); return }
        #expect(errors.diagnostics.map(\.description) == [
            "/etc/hotplugd/a.toml:2:1: unknown key 'subsytem' in [match]; did you mean 'subsystem'?",
            "/etc/hotplugd/a.toml: [match] needs 'subsystem' (e.g. subsystem = \"net\")",
            "/etc/hotplugd/b.toml:4:13: unknown placeholder '{x}'",
        ])
    }

    @Test func rejectsBadBindingName() {
        let result = ConfigLoader.load([ConfigSource(path: "/x/bad name.toml", text: "[match]\nsubsystem = \"net\"\n")])
        guard case .failure(let errors) = result else { Issue.record("expected errors"); return }
        #expect(errors.diagnostics.map(\.description) == [
            "/x/bad name.toml: binding name 'bad name' (the file name without .toml) may use only letters, digits, '_', '.' and '-'",
        ])
    }

    @Test func twoBindingsOwningOneLinkConflict() {
        let result = ConfigLoader.load([
            ConfigSource(path: "a.toml", text: "[match]\nsubsystem = \"net\"\nusb-vendor = \"067b\"\n[link]\nname = \"gl{n}\"\n"),
            ConfigSource(path: "b.toml", text: "[match]\nsubsystem = \"net\"\nusb-vendor = \"067b\"\nusb-product = \"25a1\"\n[link]\nmtu = 1400\n"),
        ])
        guard case .failure(let errors) = result else { Issue.record("expected a conflict"); return }
        #expect(errors.diagnostics.map(\.description) == [
            "b.toml:5:1: binding 'b' and binding 'a' (a.toml:4:1) can match the same device and both have [link]; make their [match] exclusive or keep [link] in one of them",
        ])
    }

    @Test func disjointBindingsMayBothOwnLinks() {
        let result = ConfigLoader.load([
            ConfigSource(path: "a.toml", text: "[match]\nsubsystem = \"net\"\nkernel = \"glk*\"\n[link]\nname = \"gl{n}\"\n"),
            ConfigSource(path: "b.toml", text: "[match]\nsubsystem = \"net\"\nkernel = \"vcable*\"\n[link]\nmtu = 1400\n"),
            ConfigSource(path: "c.toml", text: "[match]\nsubsystem = \"net\"\nusb-product = \"25a1\"\n[link]\nmtu = 1400\n"),
            ConfigSource(path: "d.toml", text: "[match]\nsubsystem = \"net\"\nusb-product = [\"1790\", \"1791\"]\n[link]\nmtu = 1400\n"),
            ConfigSource(path: "e.toml", text: "[match]\nsubsystem = \"net\"\ndriver = \"plusb\"\nkernel = \"usb*\"\n[link]\nmtu = 1400\n"),
        ])
        guard case .success(let configuration) = result else { Issue.record("expected valid: \(result)"); return }
        #expect(configuration.bindings.map(\.name) == ["a", "b", "c", "d", "e"])
    }
}
