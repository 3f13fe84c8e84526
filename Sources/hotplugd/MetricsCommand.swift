import ArgumentParser
import HotplugCore

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print the daemon's metrics in Prometheus' text format.",
        discussion: """
            The same text `hotplugd run --metrics-textfile` keeps up to date for node_exporter's textfile \
            collector; the README's "Metrics" lists every series. Anyone who may read status may read them. \
            Exit status: 0, or 3 when no daemon is running.
            """)

    @OptionGroup var socket: SocketOption

    func run() throws {
        let answer = try socket.send(.metrics)
        guard let text = answer["text"]?.stringValue else {
            printError("hotplugd: the daemon on \(socket.path) sent no metrics")
            throw ExitCode(1)
        }
        // Line by line like every report: a control character cannot reach the terminal.
        printLines(text.hasSuffix("\n") ? String(text.dropLast()) : text)
    }
}
