import Foundation
import Testing
@testable import HotplugCore

struct ValidConfigTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func examples() throws -> [ConfigSource] {
        let directory = repositoryRoot.appendingPathComponent("examples")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".toml") }.sorted()
        return try names.map { name in
            let path = directory.appendingPathComponent(name).path
            return ConfigSource(path: path, text: try String(contentsOfFile: path, encoding: .utf8))
        }
    }

    @Test func everyShippedExampleIsValid() throws {
        let sources = try Self.examples()
        #expect(sources.map(\.bindingName) == ["gamelink", "twisted-web", "usb-nic", "usb-serial", "virtual-cable"])
        let result = ConfigLoader.load(sources)
        guard case .success(let configuration) = result else { Issue.record("\(result)"); return }
        let gamelink = try #require(configuration.binding(named: "gamelink"))
        #expect(gamelink.match.usbVendor == PatternList(["067b"]))
        #expect(gamelink.link?.name?.description == "gamelink{n}")
        #expect(gamelink.link?.addresses.map(\.description) == ["10.42.0.1/24", "fd42::1/64"])
        #expect(gamelink.exec?.restartDelay == .milliseconds(500))
        #expect(gamelink.exec?.stopSignal == .terminate)
        let nic = try #require(configuration.binding(named: "usb-nic"))
        #expect(nic.exec == nil && nic.link?.up == true)
    }

    @Test func everyKeyDecodes() throws {
        let text = """
            description = "all keys"
            [match]
            subsystem = ["net"]
            devtype = "!wlan"
            kernel = ["glk*", "!glk9"]
            driver = "plusb"
            usb-vendor = "067b"
            usb-product = "25a1"
            usb-serial = "*"
            mac = "02:*"
            path = "pci-*"
            tag = "hotplugd"
            property = { ID_BUS = "usb" }
            attribute.manufacturer = "Prolific*"
            [link]
            name = "gl{n}x"
            mtu = 9000
            addresses = ["10.42.0.1/24", "fd42::1/64"]
            up = false
            [exec]
            command = ["/bin/echo", "{interface}", "{{literal}}", "{property:ID_BUS}", "{attribute:idVendor}"]
            environment = { ROLE = "host", WHERE = "{syspath}" }
            working-directory = "/tmp"
            user = "nobody"
            group = "nogroup"
            restart = "always"
            restart-delay = "250ms"
            restart-delay-max = "2m"
            stop-signal = "INT"
            stop-timeout = "1.5s"
            settle = "200ms"
            """
        let result = ConfigLoader.load([ConfigSource(path: "/etc/hotplugd/all.toml", text: text)])
        guard case .success(let configuration) = result else { Issue.record("\(result)"); return }
        let binding = try #require(configuration.bindings.first)
        #expect(binding.name == "all")
        #expect(binding.description == "all keys")
        #expect(binding.match.kernel == PatternList(["glk*", "!glk9"]))
        #expect(binding.match.properties == [KeyedPatterns(key: "ID_BUS", patterns: PatternList(["usb"]))])
        #expect(binding.match.attributes == [KeyedPatterns(key: "manufacturer", patterns: PatternList(["Prolific*"]))])
        let link = try #require(binding.link)
        #expect(link.name?.name(index: 3) == "gl3x")
        #expect(link.mtu == 9000 && link.up == false)
        let exec = try #require(binding.exec)
        #expect(exec.command.map(\.source) == ["/bin/echo", "{interface}", "{{literal}}", "{property:ID_BUS}", "{attribute:idVendor}"])
        #expect(exec.environment.map(\.key) == ["ROLE", "WHERE"])
        #expect(exec.restart == .always)
        #expect(exec.restartDelayMax == .seconds(120))
        #expect(exec.stopSignal == .interrupt)
        #expect(exec.stopTimeout == .milliseconds(1500))
        #expect(exec.settle == .milliseconds(200))
        #expect(exec.user == "nobody" && exec.group == "nogroup" && exec.workingDirectory == "/tmp")
        #expect(configuration.monitoredSubsystems == ["net"])
        #expect(configuration.everyFactNeed.attributeNames.isSuperset(of: ["manufacturer", "idVendor"]))
        #expect(FactNeeds(binding).ancestors)
    }

    @Test func usbIdGlobsAreAllowedForBothKeys() {
        let result = ConfigLoader.load([ConfigSource(path: "g.toml", text: "[match]\nsubsystem = \"net\"\nusb-vendor = \"06*\"\nusb-product = \"25*\"\n")])
        guard case .success = result else { Issue.record("\(result)"); return }
    }

    @Test func linkOnlyBindingIsValid() {
        let result = ConfigLoader.load([ConfigSource(path: "l.toml", text: "[match]\nsubsystem = \"net\"\n[link]\nname = \"lab0\"\n")])
        guard case .success(let configuration) = result else { Issue.record("\(result)"); return }
        #expect(configuration.bindings.first?.exec == nil)
        #expect(configuration.bindings.first?.link?.up == true)
    }

    @Test(arguments: [("500ms", 500_000_000 as UInt64), ("5s", 5_000_000_000), ("2m", 120_000_000_000), ("1h", 3_600_000_000_000),
                      ("0", 0), ("1.5s", 1_500_000_000), ("3min", 180_000_000_000)])
    func durations(_ text: String, _ nanoseconds: UInt64) {
        #expect(TimeSpan(parsing: text)?.nanoseconds == nanoseconds)
    }

    @Test(arguments: ["", "5", "s", "-1s", "1.s", ".5s", "5 s", "25h", "1e3s", "5sec"])
    func invalidDurations(_ text: String) {
        #expect(TimeSpan(parsing: text) == nil)
    }

    @Test(arguments: [("SIGTERM", 15 as Int32), ("TERM", 15), ("term", 15), ("SIGKILL", 9), ("hup", 1), ("10", 10)])
    func signals(_ text: String, _ number: Int32) {
        #expect(Signal(named: text)?.number == number)
    }
}
