import ArgumentParser
import Glibc
import HotplugCore
import HotplugLinux

extension EventSource: ExpressibleByArgument {}

struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Print a line per device event and the bindings it matches.")

    @OptionGroup var options: ConfigOption

    @Flag(help: "One JSON object per line.")
    var json = false

    @Flag(help: "Also print events no binding matches.")
    var all = false

    @Option(help: ArgumentHelp("udev (after udevd's rules) or kernel (raw uevents). Default: udev where udevd runs.", valueName: "source"))
    var source: EventSource?

    func run() throws {
        let configuration = try options.loadOrExit()
        let source = self.source ?? .automatic
        // Without --all only the bindings' subsystems matter, so the kernel
        // filters the rest out; with no bindings, show everything.
        let subsystems = all || configuration.bindings.isEmpty ? nil : configuration.monitoredSubsystems
        do {
            let context = try UdevContext()
            let monitor = try UdevMonitor(context: context, source: source, subsystems: subsystems)
            var tracker = EventTracker(configuration: configuration)
            for device in try UdevEnumerator.devices(context, subsystems: subsystems) {
                tracker.remember(device.facts(needs: configuration.everyFactNeed))
            }
            printError("hotplugd monitor: listening on the \(source.rawValue) source for \(subsystems.map { $0.sorted().joined(separator: ", ") } ?? "all subsystems"); \(configuration.bindings.count) binding(s) from \(options.config)")
            try watch(monitor, tracker: &tracker, needs: configuration.everyFactNeed)
        } catch {
            printError("hotplugd monitor: \(error)")
            throw ExitCode(2)
        }
    }

    private func watch(_ monitor: UdevMonitor, tracker: inout EventTracker, needs: FactNeeds) throws(UdevError) {
        while true {
            guard try monitor.waitForEvents(timeoutMilliseconds: -1) else { continue }
            drain: while true {
                switch monitor.receive() {
                case .empty:
                    break drain
                case .overflow:
                    printError("hotplugd monitor: events were lost (receive buffer overflow)")
                case .device(let device):
                    let action = device.action ?? "unknown"
                    let facts = device.facts(needs: needs)
                    let bindings = tracker.handle(action: action, facts: facts)
                    if bindings.isEmpty && !all { continue }
                    print(json ? jsonLine(action, facts, bindings, device.sequenceNumber) : textLine(action, facts, bindings))
                    fflush(nil)
                }
            }
        }
    }

    private func textLine(_ action: String, _ facts: DeviceFacts, _ bindings: [String]) -> String {
        let name = facts.interfaceName ?? facts.devnode ?? facts.sysname
        let pad = { (text: String, width: Int) in text + String(repeating: " ", count: max(1, width - text.count)) }
        let target = bindings.isEmpty ? "-" : bindings.joined(separator: ", ")
        return "\(WallClock.now().localTimeOfDay) \(pad(printable(action), 7))\(pad(printable(facts.subsystem), 10))\(printable(facts.devpath)) (\(printable(name))) -> \(target)"
    }

    private func jsonLine(_ action: String, _ facts: DeviceFacts, _ bindings: [String], _ seqnum: UInt64) -> String {
        JSONValue.object([
            ("time", .string(WallClock.now().iso8601)),
            ("seqnum", .int(Int64(truncatingIfNeeded: seqnum))),
            ("action", .string(action)),
            ("subsystem", .string(facts.subsystem)),
            ("devpath", .string(facts.devpath)),
            ("sysname", .string(facts.sysname)),
            ("interface", .optional(facts.interfaceName)),
            ("devnode", .optional(facts.devnode)),
            ("bindings", .array(bindings.map(JSONValue.string))),
        ]).serialized()
    }
}
