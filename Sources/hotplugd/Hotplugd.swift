import ArgumentParser
import HotplugLinux

@main
struct Hotplugd: ParsableCommand {
    static func main() {
        InheritedSignals.reset()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }

    static let version = Daemon.version

    static let configuration = CommandConfiguration(
        commandName: "hotplugd",
        abstract: "A udev hotplug supervisor: name, configure and run services for devices as they come and go.",
        version: version,
        subcommands: [RunCommand.self, StatusCommand.self, CheckCommand.self, TestCommand.self, MonitorCommand.self,
                      ReloadCommand.self, RestartCommand.self]
    )
}

/// `--config`, shared by every command that reads bindings.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Binding directory (every *.toml in it) or one file.", valueName: "path"))
    var config: String = "/etc/hotplugd"
}
