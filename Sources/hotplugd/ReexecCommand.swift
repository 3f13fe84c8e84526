import ArgumentParser
import HotplugCore
import HotplugLinux

struct ReexecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reexec",
        abstract: "Replace the running daemon with the binary at the path it was started from, keeping its children, sockets and firewall rules.",
        discussion: """
            The daemon first runs the new binary's `reexec-probe` (while it goes on serving; 5 s at most); if that \
            fails, or the exec does, the running \
            daemon carries on (exit 1). A new image that refuses the state stops and restarts the children (exit 1, \
            "clean-start"). Exit 0: re-executed, same PID, every child kept.
            """)

    @OptionGroup var socket: SocketOption

    static let answerTimeoutSeconds = 120

    func run() throws {
        let raw: String
        do {
            // The answer comes from the new image: after the probe (5 s at
            // most) and the new binary's start, which took 7 s in a loaded
            // emulated VM. Given up on at 10 s, a re-exec that went well
            // read as a failure, and the package's postinst then restarted
            // the service, stopping every child the re-exec had kept.
            raw = try ControlClient.send(ControlRequest.reexec.line, to: socket.path, timeoutSeconds: Self.answerTimeoutSeconds)
        } catch {
            printError(error.description)
            if case .noDaemon = error { throw ExitCode(3) }
            throw ExitCode(1)
        }
        guard !raw.isEmpty else {
            printError("hotplugd: the daemon closed the connection during the re-exec: the new image did not take over (it crashed or exited); under systemd the service restarts and stops the children it left")
            throw ExitCode(1)
        }
        guard let answer = JSONValue(parsing: raw) else {
            printError("hotplugd: unreadable answer from the daemon on \(socket.path)")
            throw ExitCode(1)
        }
        guard answer["ok"]?.boolValue == true else {
            printError("hotplugd: \(answer["error"]?.stringValue ?? "re-exec failed")")
            throw ExitCode(1)
        }
        let gap = answer["gap_us"]?.intValue.map { " in \($0 / 1000).\(($0 % 1000) / 100) ms" } ?? ""
        print("re-executed: pid \(answer["pid"]?.intValue ?? 0), \(answer["children"]?.intValue ?? 0) child(ren) kept\(gap)")
    }
}

/// Run by a daemon on the binary it is about to exec: the state versions this
/// binary reads, so a binary that cannot take over is found while the old
/// image still runs.
struct ReexecProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reexec-probe", shouldDisplay: false)

    func run() throws {
        print(ReexecExec.probeLine)
    }
}
