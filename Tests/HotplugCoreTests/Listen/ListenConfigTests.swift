import Testing
@testable import HotplugCore

/// `[listen]` and `instances`: what is accepted, and the exact errors.
struct ListenConfigTests {
    static func load(_ text: String, file: String = "b.toml") -> Result<Configuration, ConfigErrors> {
        ConfigLoader.load([ConfigSource(path: file, text: text)])
    }

    static func errors(_ text: String) -> [String] {
        guard case .failure(let errors) = load(text) else { return [] }
        return errors.diagnostics.map(\.description)
    }

    static let net = "[match]\nsubsystem = \"net\"\n[exec]\ncommand = [\"/bin/true\"]\n"

    @Test func readsEveryKey() throws {
        let text = Self.net + """
            instances = 4
            [listen]
            stream = ["8080", "10.42.0.1:80", "[fd42::1]:443"]
            datagram = ["27015"]
            bind-to-device = false
            mode = "reuseport"
            backlog = 512
            name = "web"
            """
        let binding = try #require(try Self.load(text).get().bindings.first)
        #expect(binding.exec?.instances == 4)
        let listen = try #require(binding.listen)
        #expect(listen.stream.map(\.description) == ["8080", "10.42.0.1:80", "[fd42::1]:443"])
        #expect(listen.datagram.map(\.description) == ["27015"])
        #expect(listen.sockets.map(\.description) == ["stream 8080", "stream 10.42.0.1:80", "stream [fd42::1]:443", "datagram 27015"])
        #expect(!listen.bindToDevice && listen.mode == .reuseport && listen.backlog == 512 && listen.name == "web")
    }

    @Test func defaults() throws {
        let binding = try #require(try Self.load(Self.net + "[listen]\nstream = [\"8080\"]\n", file: "/etc/hotplugd/game.toml").get().bindings.first)
        #expect(binding.exec?.instances == 1)
        #expect(binding.listen == ListenSettings(stream: [ListenAddress(host: .any, port: 8080)], bindToDevice: true,
                                                 mode: .shared, backlog: 128, name: "game"))
    }

    @Test(arguments: [
        ("instances = 0\n", "b.toml:5:13: 'instances' is 0; give 1 to 256 children per device"),
        ("instances = 100000\n", "b.toml:5:13: 'instances' is 100000; give 1 to 256 children per device"),
    ])
    func refusesAbsurdInstanceCounts(line: String, expected: String) {
        #expect(Self.errors(Self.net + line) == [expected])
    }

    @Test(arguments: [
        ("stream = [\"0\"]", "b.toml:6:11: port in '0' is out of range; give 1 to 65535"),
        ("stream = [\"65536\"]", "b.toml:6:11: port in '65536' is out of range; give 1 to 65535"),
        ("stream = [\"http\"]", "b.toml:6:11: 'http' is not a stream address; write \"PORT\", \"ADDR:PORT\" or \"[ADDR6]:PORT\" (e.g. \"8080\", \"10.42.0.1:8080\", \"[fd42::1]:8080\")"),
        ("stream = [\"10.0.0.300:80\"]", "b.toml:6:11: '10.0.0.300:80' has an invalid address; write \"PORT\", \"ADDR:PORT\" or \"[ADDR6]:PORT\""),
        ("stream = [\"fd42::1:80\"]", "b.toml:6:11: 'fd42::1:80' is not a stream address; write \"PORT\", \"ADDR:PORT\" or \"[ADDR6]:PORT\" (e.g. \"8080\", \"10.42.0.1:8080\", \"[fd42::1]:8080\")"),
        ("datagram = [\"[fd42::zz]:53\"]", "b.toml:6:13: '[fd42::zz]:53' has an invalid address; write \"PORT\", \"ADDR:PORT\" or \"[ADDR6]:PORT\""),
        ("stream = [\"80\", \"80\"]", "b.toml:6:17: '80' is listed twice in 'stream'"),
        ("stream = [\"80\"]\nbacklog = 0", "b.toml:7:11: 'backlog' is 0; give 1 to 65535"),
        ("stream = [\"80\"]\nmode = \"fork\"", "b.toml:7:8: 'mode' must be \"shared\" or \"reuseport\", not 'fork'"),
        ("stream = [\"80\"]\nname = \"a:b\"", "b.toml:7:8: 'name' is what LISTEN_FDNAMES gives the child: 1 to 255 printable ASCII characters without ':' or spaces"),
        ("stream = [\"80\"]\nport = 80", "b.toml:7:1: unknown key 'port' in [listen]"),
        ("datagram = []", "b.toml: [listen] needs at least one address in 'stream' or 'datagram', e.g. stream = [\"8080\"]"),
    ])
    func refusesWhatRunCouldNotOpen(listen: String, expected: String) {
        #expect(Self.errors(Self.net + "[listen]\n" + listen + "\n") == [expected])
    }

    @Test func bindToDeviceNeedsANetBinding() throws {
        let tty = "[match]\nsubsystem = \"tty\"\n[exec]\ncommand = [\"/bin/true\"]\n[listen]\nstream = [\"80\"]\n"
        #expect(try Self.load(tty).get().bindings.first?.listen?.bindToDevice == false, "off by default where there is no interface")
        #expect(Self.errors(tty + "bind-to-device = true\n") == [
            "b.toml:7:18: 'bind-to-device' needs a network interface, but the binding does not match subsystem = \"net\"; set it to false",
        ])
    }

    @Test func listenNeedsChildren() {
        #expect(Self.errors("[match]\nsubsystem = \"net\"\n[listen]\nstream = [\"80\"]\n") == [
            "b.toml:3:1: [listen] opens sockets for the children, but the binding has no [exec]; add [exec] or remove [listen]",
        ])
    }

    @Test func instancePlaceholderAndEnvironment() throws {
        let binding = try #require(try Self.load(Self.net.replacingOccurrences(of: "[\"/bin/true\"]", with: "[\"/bin/w\", \"--id={instance}\"]")).get().bindings.first)
        let values = PlaceholderValues(device: FakeDevices.veth("v0"), bindingName: "b", interface: "v0", instance: 2)
        let plan = LaunchPlan(exec: try #require(binding.exec), values: values)
        #expect(plan.argv == ["/bin/w", "--id=2"])
        #expect(plan.environment.contains("HOTPLUGD_INSTANCE=2"))
    }
}
