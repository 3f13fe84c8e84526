import Foundation
import HotplugLinux

/// Makes sure systemd-udevd answers before a test that needs its events runs.
///
/// The socket file /run/udev/control is no proof: a udevd that was killed
/// leaves it behind (CI machines are reused), so ask udevd itself, and start
/// it when root and nobody answers, as scripts/setup does.
public enum Udevd {
    /// Computed once per test process; `static let` runs the check exactly once.
    public static let isRunning: Bool = ensureRunning()

    static func answers() -> Bool {
        (try? Shell.run(["/bin/udevadm", "control", "--ping", "--timeout=2"]).status) == 0
    }

    private static func ensureRunning() -> Bool {
        if answers() { return true }
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: daemonPath) else { return false }
        // Our own spawner, not Foundation's Process: the daemon udevd forks
        // must inherit none of the test process's descriptors (Process would
        // wait for one of them to close, and other tests' pipes would never
        // see end-of-file).
        guard let starter = try? Spawner.spawn(SpawnRequest(argv: [daemonPath, "--daemon"])) else { return false }
        for _ in 0..<100 where starter.tryReap() == nil { usleep(50_000) }
        for _ in 0..<50 where !answers() { usleep(100_000) }
        guard answers() else { return false }
        // Devices that appeared while no udevd ran have no database entry yet.
        _ = try? Shell.run(["/bin/udevadm", "trigger", "--type=devices", "--action=add",
                            "--subsystem-match=net", "--subsystem-match=tty", "--subsystem-match=usb"])
        _ = try? Shell.run(["/bin/udevadm", "settle", "--timeout=10"])
        return true
    }

    private static let daemonPath = "/lib/systemd/systemd-udevd"
}
