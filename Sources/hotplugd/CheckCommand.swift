import ArgumentParser
import HotplugCore
import HotplugLinux

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the bindings; print every error as FILE:LINE:COL: message.",
        discussion: "Exit status: 0 when valid, 1 when not.")

    @OptionGroup var options: ConfigOption

    @Option(help: ArgumentHelp("Warn about keys this event source cannot match (as for `run`). Default: udev where udevd runs.", valueName: "source"))
    var source: EventSource?

    func run() throws {
        let (loaded, warnings) = options.loadWithWarnings(source: source ?? .automatic)
        // Warnings are about this machine (a user created later is fine): exit 0.
        for warning in warnings { printError(warning.description) }
        switch loaded {
        case .failure(let errors):
            for diagnostic in errors.diagnostics { printError(diagnostic.description) }
            let count = errors.diagnostics.count
            printError("\(options.config): \(count) error\(count == 1 ? "" : "s")")
            throw ExitCode(1)
        case .success(let configuration):
            if configuration.bindings.isEmpty {
                printLines("\(options.config): no bindings (no *.toml files)")
            }
            for binding in configuration.bindings {
                printLines(BindingSummary.line(binding))
            }
        }
    }
}

enum BindingSummary {
    /// `gamelink: net usb 067b:25a1 -> rename gamelink{n}, mtu 1500, 2 addresses, up; run gamelink-autoconf (restart on-failure)`
    static func line(_ binding: Binding) -> String {
        var what: [String] = [binding.match.subsystem.description]
        let m = binding.match
        if let vendor = m.usbVendor { what.append("usb-vendor \(vendor)") }
        if let product = m.usbProduct { what.append("usb-product \(product)") }
        if let kernel = m.kernel { what.append("kernel \(kernel)") }
        if let driver = m.driver { what.append("driver \(driver)") }
        var actions: [String] = []
        if let link = binding.link {
            var parts: [String] = []
            if let name = link.name { parts.append("rename to \(name)") }
            if let mtu = link.mtu { parts.append("mtu \(mtu)") }
            if !link.addresses.isEmpty { parts.append(link.addresses.map(\.description).joined(separator: " ")) }
            parts.append(link.up ? "up" : "leave down")
            actions.append("link: " + parts.joined(separator: ", "))
        }
        if let firewall = binding.firewall {
            actions.append("firewall: " + firewall.summary)
        }
        if let listen = binding.listen {
            actions.append("listen: " + listen.sockets.map(\.description).joined(separator: ", ") + " (\(listen.mode.rawValue))")
        }
        if let exec = binding.exec {
            let program = exec.command.first?.source ?? "?"
            let count = exec.instances > 1 ? "\(exec.instances) × " : ""
            actions.append("run \(count)\(program) (restart \(exec.restart.rawValue))")
        }
        if actions.isEmpty { actions.append("match only") }
        return "\(binding.name): match \(what.joined(separator: " ")); \(actions.joined(separator: "; "))"
    }
}
