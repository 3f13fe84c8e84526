import Testing
@testable import HotplugCore

/// What `check` knows before any device is plugged (issue 16, item 9): each
/// value here passed `check` and failed in `run`.
struct StaticCheckTests {
    static func errors(_ text: String) -> [String] {
        guard case .failure(let errors) = ConfigLoader.load([ConfigSource(path: "b.toml", text: text)]) else { return [] }
        return errors.diagnostics.map(\.description)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var expected: String
        var testDescription: String { name }
    }

    static let link = "[match]\nsubsystem = \"net\"\n[link]\n"
    static let exec = "[match]\nsubsystem = \"net\"\n[exec]\n"

    static let cases: [Case] = [
        Case(name: "uppercase mac glob", text: "[match]\nsubsystem = \"net\"\nmac = \"AA:BB:*\"\n",
             expected: "b.toml:3:7: 'mac' is matched against sysfs 'address', which is lowercase: write 'aa:bb:*'"),
        Case(name: "IPv4 multicast", text: link + "addresses = [\"224.0.0.1/24\"]\n",
             expected: "b.toml:4:14: '224.0.0.1/24' is a multicast address (224.0.0.0/4)"),
        Case(name: "IPv6 multicast", text: link + "addresses = [\"ff02::1/64\"]\n",
             expected: "b.toml:4:14: 'ff02::1/64' is a multicast address (ff00::/8)"),
        Case(name: "::/0", text: link + "addresses = [\"::/0\"]\n",
             expected: "b.toml:4:14: '::/0' is the unspecified address"),
        Case(name: "0.0.0.0/0", text: link + "addresses = [\"0.0.0.0/0\"]\n",
             expected: "b.toml:4:14: '0.0.0.0/0' is the unspecified address"),
        Case(name: "a /0 prefix", text: link + "addresses = [\"10.0.0.1/0\"]\n",
             expected: "b.toml:4:14: '10.0.0.1/0' has prefix length 0"),
        Case(name: "IPv6 below 1280", text: link + "mtu = 1000\naddresses = [\"10.0.0.1/24\", \"fd42::1/64\"]\n",
             expected: "b.toml:4:7: mtu 1000 is below 1280, the least IPv6 needs"),
        Case(name: "NUL in command", text: exec + "command = [\"/bin/echo\", \"a\\u0000b\"]\n",
             expected: "b.toml:4:25: argument 1 contains a NUL character"),
        Case(name: "NUL in environment", text: exec + "command = [\"/bin/true\"]\nenvironment = { X = \"a\\u0000\" }\n",
             expected: "b.toml:5:21: the value of X contains a NUL character"),
        Case(name: "argument over MAX_ARG_STRLEN", text: exec + "command = [\"/bin/echo\", \"\(String(repeating: "x", count: 140_000))\"]\n",
             expected: "b.toml:4:25: argument 1 is 140001 bytes, over the kernel's limit of 131072"),
    ]

    @Test(arguments: cases)
    func refusedByCheck(_ item: Case) {
        let found = Self.errors(item.text)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.hasPrefix(item.expected) == true, "\(found)")
    }

    @Test func fineValuesPass() {
        #expect(Self.errors("[match]\nsubsystem = \"net\"\nmac = \"[0-9a-fA-F]2:*\"\n") == [])
        #expect(Self.errors(Self.link + "mtu = 1000\naddresses = [\"10.0.0.1/24\"]\n") == [])
        #expect(Self.errors(Self.link + "mtu = 1280\naddresses = [\"fd42::1/64\"]\n") == [])
    }
}

/// Warnings: what depends on the machine or on the event source.
struct ConfigWarningTests {
    struct Machine: MachineFacts {
        var argumentLimit = 2 << 20
        func executableProblem(_ program: String, searchPath: String) -> String? {
            if program == "/bin/true" || (program == "true" && searchPath.contains("/bin")) { return nil }
            return "'\(program)': No such file or directory"
        }
        func credentialsProblem(user: String?, group: String?) -> (key: String, reason: String)? {
            if let user, user != "root" { return ("user", "user \(user): no such user") }
            if let group, group != "root" { return ("group", "group \(group): no such group") }
            return nil
        }
    }

    static func warnings(_ text: String, kernel: Bool = false, machine: Machine = Machine()) -> [String] {
        let sources = [ConfigSource(path: "w.toml", text: text)]
        guard case .success(let configuration) = ConfigLoader.load(sources) else { return ["invalid"] }
        return ConfigWarnings.find(configuration, sources: sources, machine: machine, kernelSource: kernel).map(\.description)
    }

    /// An environment near the machine's ARG_MAX (a small stack limit).
    @Test func anEnvironmentNearTheArgumentLimitIsAWarning() {
        let entries = (0..<200).map { "V\($0) = \"\(String(repeating: "x", count: 100))\"" }.joined(separator: ", ")
        let text = "[match]\nsubsystem = \"net\"\n[exec]\ncommand = [\"/bin/true\"]\nenvironment = { \(entries) }\n"
        let found = Self.warnings(text, machine: Machine(argumentLimit: 32768))
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.hasPrefix("w.toml:5:15: warning: the command and environment written here take ") == true, "\(found)")
        #expect(Self.warnings(text) == [])
    }

    @Test func aMissingProgramUserAndGroupAreWarnings() {
        let found = Self.warnings("""
            [match]
            subsystem = "net"
            [exec]
            command = ["/opt/missing/prog", "{interface}"]
            user = "nobody-here"
            """)
        #expect(found == [
            "w.toml:4:12: warning: '/opt/missing/prog': No such file or directory; the child cannot start until it is installed",
            "w.toml:5:8: warning: user nobody-here: no such user; the child cannot start until it exists",
        ])
        #expect(Self.warnings("[match]\nsubsystem = \"net\"\n[exec]\ncommand = [\"/bin/true\"]\ngroup = \"root\"\n") == [])
        #expect(Self.warnings("[match]\nsubsystem = \"net\"\n[exec]\ncommand = [\"true\"]\n") == [])
        #expect(Self.warnings("[match]\nsubsystem = \"net\"\n[exec]\ncommand = [\"true\"]\nenvironment = { PATH = \"/opt\" }\n")
            == ["w.toml:4:12: warning: 'true': No such file or directory; the child cannot start until it is installed"])
    }

    /// Item 10: the kernel's events carry no udev properties, path or tags.
    @Test func keysTheKernelSourceCannotSeeAreNamed() {
        let text = """
            [match]
            subsystem = "net"
            path = "pci-*"
            property.ID_NET_DRIVER = "veth"
            property.INTERFACE = "v*"
            """
        let found = Self.warnings(text, kernel: true)
        #expect(found.count == 2, "\(found)")
        #expect(found.first?.hasPrefix("w.toml:3:8: warning: binding 'w': [match] path (ID_PATH) is set by udev") == true)
        #expect(found.last?.hasPrefix("w.toml:4:26: warning: binding 'w': [match.property] ID_NET_DRIVER is set by udev") == true)
        #expect(Self.warnings(text, kernel: false) == [])
    }
}
