import ArgumentParser
import Glibc
import HotplugCore
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
                      ReloadCommand.self, RestartCommand.self, ReexecCommand.self, ReexecProbeCommand.self, RulesCommand.self, MetricsCommand.self]
    )
}

/// `--config`, shared by every command that reads bindings.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Binding directory (every *.toml in it) or one file.", valueName: "path"))
    var config: String = "/etc/hotplugd"

    @Flag(name: .customLong("allow-insecure-config"),
          help: "As root, accept binding files that are not owned by root or are writable by group or others.")
    var allowInsecureConfig = false

    /// The bindings, read with root's ownership and mode checks unless waived.
    func load() -> Result<Configuration, ConfigErrors> {
        ConfigFiles.load(config, strict: geteuid() == 0 && !allowInsecureConfig)
    }

    /// The bindings and what may not work with them on this machine and
    /// event source (a missing user, a key the kernel's events lack).
    func loadWithWarnings(source: EventSource) -> (Result<Configuration, ConfigErrors>, [ConfigWarning]) {
        ConfigFiles.loadWithWarnings(config, strict: geteuid() == 0 && !allowInsecureConfig, source: source)
    }

    /// The bindings, or every error on stderr and exit status 1.
    func loadOrExit(refusal: String? = nil) throws -> Configuration {
        try Self.orExit(load(), refusal: refusal)
    }

    static func orExit(_ loaded: Result<Configuration, ConfigErrors>, refusal: String? = nil) throws -> Configuration {
        switch loaded {
        case .success(let configuration):
            return configuration
        case .failure(let errors):
            for diagnostic in errors.diagnostics { printError(diagnostic.description) }
            if let refusal { printError(refusal) }
            throw ExitCode(1)
        }
    }
}
