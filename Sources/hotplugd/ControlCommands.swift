import ArgumentParser
import HotplugCore
import HotplugLinux

/// `--socket`, shared by the commands that talk to the daemon.
struct SocketOption: ParsableArguments {
    @Option(help: ArgumentHelp("Control socket (default: $HOTPLUGD_SOCKET or /run/hotplugd/control.sock).", valueName: "path"))
    var socket: String?

    var path: String { ControlClient.path(option: socket) }

    /// Sends one request; exit 3 with a plain sentence when no daemon runs.
    func send(_ request: ControlRequest) throws -> JSONValue {
        try exchange(request).object
    }

    /// The answer as sent (for --json) and parsed.
    func exchange(_ request: ControlRequest) throws -> (raw: String, object: JSONValue) {
        let answer: String
        do {
            answer = try ControlClient.send(request.line, to: path)
        } catch {
            printError(error.description)
            if case .noDaemon = error { throw ExitCode(3) }
            throw ExitCode(1)
        }
        guard let object = JSONValue(parsing: answer) else {
            printError("hotplugd: unreadable answer from the daemon on \(path)")
            throw ExitCode(1)
        }
        if object["ok"]?.boolValue == false {
            printError("hotplugd: \(object["error"]?.stringValue ?? "request failed")")
            for line in object["errors"]?.arrayValue ?? [] { printError(line.stringValue ?? "") }
            throw ExitCode(1)
        }
        return (answer, object)
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the bindings, their devices, state, PID, since, restarts and last exit.",
        discussion: "Exit status: 0, or 3 when no daemon is running.")

    @OptionGroup var socket: SocketOption

    @Argument(help: ArgumentHelp("Only this binding.", valueName: "binding"))
    var binding: String?

    @Flag(help: "Print the daemon's JSON document.")
    var json = false

    func run() throws {
        let answer = try socket.exchange(.status(binding: binding))
        // The daemon's own document, keys in their documented order, one line.
        print(json ? answer.raw : StatusTable.render(answer.object, nowUnix: Int64(WallClock.now().seconds)))
    }
}

struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Ask the daemon to read its bindings again; a broken configuration is refused and reported.")

    @OptionGroup var socket: SocketOption

    func run() throws {
        let answer = try socket.send(.reload)
        print("reloaded: \(answer["bindings"]?.intValue ?? 0) binding(s)")
    }
}

struct RestartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart",
        abstract: "Restart a binding's children (on every device, or on one).")

    @OptionGroup var socket: SocketOption

    @Argument(help: ArgumentHelp("The binding.", valueName: "binding"))
    var binding: String

    @Argument(help: ArgumentHelp("Interface name, /sys path or devpath.", valueName: "device"))
    var device: String?

    func run() throws {
        do {
            try ControlRequest.checkArgument(binding, "binding name")
            if let device { try ControlRequest.checkArgument(device, "device") }
        } catch {
            printError("hotplugd: \(error.description)")
            throw ExitCode(1)
        }
        let answer = try socket.send(.restart(binding: binding, device: device))
        let on = device.map { " on \(Printable.escaped($0))" } ?? ""
        let devices = answer["devices"]?.intValue ?? 1
        let across = device == nil && devices > 1 ? " on \(devices) devices" : ""
        print("restarting \(answer["instances"]?.intValue ?? 0) instance(s) of \(binding)\(on)\(across)")
    }
}
