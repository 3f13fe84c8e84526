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
        do {
            let watch = try DeviceEventWatch(configuration: configuration, source: source ?? .automatic, includeUnmatched: all)
            printError("hotplugd monitor: listening on the \(watch.source.rawValue) source for \(watch.subsystems.map { $0.sorted().joined(separator: ", ") } ?? "all subsystems"); \(configuration.bindings.count) binding(s) from \(options.config)")
            try watch.run { observation in
                switch observation {
                case .overflow:
                    printError("hotplugd monitor: events were lost (receive buffer overflow)")
                case .event(let event):
                    print(json ? jsonLine(event) : textLine(event))
                    fflush(nil)
                }
            }
        } catch {
            printError("hotplugd monitor: \(error)")
            throw ExitCode(2)
        }
    }

    private func textLine(_ event: DeviceEventWatch.Event) -> String {
        let (action, facts, bindings) = (event.action, event.facts, event.bindings)
        let name = facts.interfaceName ?? facts.devnode ?? facts.sysname
        let pad = { (text: String, width: Int) in text + String(repeating: " ", count: max(1, width - text.count)) }
        let target = bindings.isEmpty ? "-" : bindings.joined(separator: ", ")
        return "\(WallClock.now().localTimeOfDay) \(pad(printable(action), 7))\(pad(printable(facts.subsystem), 10))\(printable(facts.devpath)) (\(printable(name))) -> \(target)"
    }

    private func jsonLine(_ event: DeviceEventWatch.Event) -> String {
        let (facts, bindings) = (event.facts, event.bindings)
        return JSONValue.object([
            ("time", .string(WallClock.now().iso8601)),
            ("seqnum", .int(Int64(truncatingIfNeeded: event.sequenceNumber))),
            ("action", .string(event.action)),
            ("subsystem", .string(facts.subsystem)),
            ("devpath", .string(facts.devpath)),
            ("sysname", .string(facts.sysname)),
            ("interface", .optional(facts.interfaceName)),
            ("devnode", .optional(facts.devnode)),
            ("bindings", .array(bindings.map(JSONValue.string))),
        ]).serialized()
    }
}
