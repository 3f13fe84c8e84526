import ArgumentParser
import HotplugCore
import HotplugLinux

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Dry run for one present device: every binding's verdict and the plan. Changes nothing.")

    @OptionGroup var options: ConfigOption

    @Argument(help: ArgumentHelp("Interface name, /sys path or devpath.", valueName: "device"))
    var device: String

    func run() throws {
        let configuration = try options.loadOrExit()
        let facts: DeviceFacts
        do {
            let context = try UdevContext()
            let found = try DeviceLookup.find(device, in: context)
            facts = found.facts(needs: configuration.everyFactNeed)
        } catch {
            printError("hotplugd test: \(error)")
            throw ExitCode(2)
        }
        printLines(DeviceReport.facts(facts))
        print("")
        let taken = InterfaceNames.present()
        printLines("bindings (\(options.config)):")
        if configuration.bindings.isEmpty { print("  none") }
        for binding in configuration.bindings {
            let plan = BindingPlan(binding: binding, device: facts, takenInterfaceNames: taken)
            printLines(DeviceReport.plan(plan, device: facts))
        }
        if let firewall = DeviceReport.firewall(configuration.bindings, device: facts) { print(firewall) }
    }
}

/// The text `hotplugd test` prints.
enum DeviceReport {
    static func facts(_ facts: DeviceFacts) -> String {
        var lines = ["device \(printable(facts.syspath))"]
        func row(_ key: String, _ value: String?) {
            let padded = key + String(repeating: " ", count: max(1, 12 - key.count))
            lines.append("  \(padded)\(value.map(printable) ?? "-")")
        }
        row("subsystem", facts.subsystem)
        row("devtype", facts.devtype)
        row("kernel", facts.sysname)
        row("interface", facts.interfaceName)
        row("devnode", facts.devnode)
        row("devpath", facts.devpath)
        let drivers = facts.chain.compactMap(\.driver)
        row("driver", drivers.isEmpty ? nil : drivers.joined(separator: ", ") + (facts.driver == nil ? " (ancestors)" : ""))
        if let usb = facts.nearestUSBDevice {
            let ids = "\(usb.attributes["idVendor"] ?? "?"):\(usb.attributes["idProduct"] ?? "?")"
            row("usb", "\(ids) serial \(usb.attributes["serial"] ?? "-") at \(usb.syspath)")
        } else {
            row("usb", "no USB device among the ancestors")
        }
        row("mac", facts.attributes["address"])
        row("path", facts.properties["ID_PATH"])
        row("ifindex", facts.ifindex.map(String.init))
        row("tags", facts.tags.isEmpty ? nil : facts.tags.sorted().joined(separator: " "))
        lines.append("  properties")
        for (key, value) in facts.properties.sorted(by: { $0.key < $1.key }) {
            lines.append("    \(printable(key))=\(printable(value))")
        }
        if !facts.droppedProperties.isEmpty {
            lines.append("  ignored (not valid UTF-8): \(facts.droppedProperties.map(printable).joined(separator: ", "))")
        }
        lines.append("  ancestors")
        if facts.ancestors.isEmpty { lines.append("    none") }
        for ancestor in facts.ancestors {
            var detail = [ancestor.subsystem ?? "-"]
            if let devtype = ancestor.devtype { detail.append(devtype) }
            if let driver = ancestor.driver { detail.append("driver \(driver)") }
            lines.append("    \(printable(ancestor.syspath)) (\(detail.joined(separator: ", ")))")
        }
        return lines.joined(separator: "\n")
    }

    static func plan(_ plan: BindingPlan, device: DeviceFacts) -> String {
        let name = plan.binding.name
        guard plan.verdict.matched else {
            return "  \(name): no match: \(printable(plan.verdict.explanation))"
        }
        var lines = ["  \(name): MATCH"]
        if let link = plan.binding.link {
            if let problem = plan.nameProblem {
                lines.append("    rename: impossible: \(problem)")
            } else if let newName = plan.newName {
                let current = device.interfaceName ?? device.sysname
                lines.append(newName == current ? "    rename: keep '\(newName)' (already fits '\(link.name?.description ?? "")')"
                                                : "    rename: \(printable(current)) -> \(newName)")
            }
            if let mtu = link.mtu { lines.append("    mtu: \(mtu)") }
            for address in link.addresses { lines.append("    address: \(address)") }
            lines.append("    up: \(link.up ? "yes" : "no")")
        }
        if let listen = plan.binding.listen {
            let device = listen.bindToDevice ? " on \(printable(plan.newName ?? device.interfaceName ?? device.sysname))" : ""
            let each = listen.mode == .reuseport ? ", a set per instance" : ", shared by every instance"
            lines.append("    listen\(device) (\(listen.mode.rawValue)\(each), backlog \(listen.backlog)):")
            for (index, socket) in listen.sockets.enumerated() {
                lines.append("      fd \(3 + index): \(socket) (LISTEN_FDNAMES \(listen.name))")
            }
        }
        if let launch = plan.launch, let exec = plan.binding.exec {
            if exec.instances > 1 { lines.append("    instances: \(exec.instances) (shown: instance 0)") }
            lines.append("    argv:")
            for (index, argument) in launch.argv.enumerated() {
                lines.append("      [\(index)] \(Printable.quoted(argument))")
            }
            lines.append("    environment:")
            for entry in launch.environment { lines.append("      \(printable(entry))") }
            if let listen = plan.binding.listen {
                let names = Array(repeating: listen.name, count: listen.sockets.count).joined(separator: ":")
                lines += ["      LISTEN_FDS=\(listen.sockets.count)", "      LISTEN_FDNAMES=\(names)", "      LISTEN_PID=(the child's own pid)"]
            }
            if let directory = launch.workingDirectory { lines.append("    working-directory: \(directory)") }
            if let user = launch.user { lines.append("    user: \(user)") }
            if let group = launch.group { lines.append("    group: \(group)") }
            var policy = "    restart: \(exec.restart.rawValue) (delay \(exec.restartDelay) up to \(exec.restartDelayMax))"
            policy += "; stop: \(exec.stopSignal), SIGKILL after \(exec.stopTimeout)"
            if exec.settle > .zero { policy += "; settle \(exec.settle)" }
            lines.append(policy)
        } else if plan.binding.link != nil {
            lines.append("    no [exec]: link only (state 'configured')")
        }
        return lines.joined(separator: "\n")
    }
}
