import Glibc

/// A short helper program the daemon itself runs and waits for (udevadm,
/// nmcli): an argv, never a shell, no inherited descriptors, and a time
/// limit after which its process group is killed. Only for the start, a
/// reload and the stop, where the loop may wait that long.
enum OneShotCommand {
    /// nil when it exited 0; otherwise what went wrong, with its stderr.
    static func run(_ argv: [String], timeoutMilliseconds: Int = 5000) -> String? {
        let child: ChildProcess
        do {
            child = try Spawner.spawn(SpawnRequest(argv: argv, environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]))
        } catch {
            return "\(argv[0]): \(error)"
        }
        let step = 10
        var waited = 0
        while true {
            if let status = child.tryReap() {
                guard status.isSuccess else {
                    let said = child.readOutputLines(from: .standardError).prefix(3).joined(separator: "; ")
                    return "\(argv.joined(separator: " ")): \(status)" + (said.isEmpty ? "" : " (\(said))")
                }
                return nil
            }
            if waited >= timeoutMilliseconds {
                try? child.signalGroup(SIGKILL)
                while child.tryReap() == nil, waited < timeoutMilliseconds + 1000 {
                    usleep(UInt32(step * 1000))
                    waited += step
                }
                return "\(argv.joined(separator: " ")): no answer in \(timeoutMilliseconds) ms; killed"
            }
            // Its output is read once it has exited; a pipe holds far more than these print.
            usleep(UInt32(step * 1000))
            waited += step
        }
    }
}
