import ArgumentParser
import HotplugCore
import HotplugLinux

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Print udev rules that tag the devices the bindings match, and name fixed [link] names.",
        discussion: """
            Install the output as \(UdevRulesGenerator.suggestedFile) and run \
            `hotplugd run --tag hotplugd`: the kernel then drops every event no binding can match. \
            A binding that udev rules cannot express exactly is refused with the reason, and nothing \
            is printed. Exit status: 0 with rules, 1 when the bindings are invalid or cannot be expressed.
            """)

    @OptionGroup var options: ConfigOption

    @Option(help: ArgumentHelp("The udev tag to give the devices (what `run --tag` filters on).", valueName: "tag"))
    var tag: String = UdevRulesGenerator.defaultTag

    @Flag(help: ArgumentHelp("Print instead the rules `run` keeps in \(UnmanagedRules.directory)/\(UnmanagedRules.fileName), which keep NetworkManager and systemd-networkd off the links the bindings configure."))
    var unmanaged = false

    func run() throws {
        let configuration = try options.loadOrExit()
        if unmanaged {
            let output = UnmanagedRules.rules(for: configuration)
            for gap in output.gaps { printError("\(gap.file): binding '\(gap.binding)': \(gap.key): \(gap.message); its links get no mark") }
            print(output.text ?? "# No binding sets addresses, mtu or up (or unmanaged = true): no rules.\n", terminator: "")
            return
        }
        do {
            let text = try UdevRulesGenerator.rules(for: configuration, configPath: options.config, tag: tag)
            print(text, terminator: "")
        } catch {
            for problem in error.errors { printError(problem.description) }
            printError("hotplugd rules: no rules written: udev cannot express \(error.errors.count == 1 ? "this" : "these") exactly")
            throw ExitCode(1)
        }
    }
}
