import Glibc
import Logging

/// What the daemon tells its service manager: the seam for sd_notify, which
/// `hotplugd run` fills with `SystemdNotifier` and injects into the `Daemon`.
public protocol ServiceNotifying: AnyObject {
    /// How often to ping the watchdog, in nanoseconds; nil when nobody watches.
    var watchdogInterval: UInt64? { get }
    /// Whether anyone listens: the loop builds no status line otherwise.
    var isEnabled: Bool { get }
    func ready(status: String)
    func status(_ text: String)
    func reloading(status: String?)
    func readyAfterReload(status: String)
    func stopping(status: String?)
    func watchdogPing()
}

/// Tells systemd what hotplugd is doing, over `$NOTIFY_SOCKET` (sd_notify(3)):
/// readiness for `Type=notify`, a one-line status for `systemctl status`,
/// reloads, shutdown and watchdog pings.
///
/// Without `NOTIFY_SOCKET` (not started by systemd, or not `Type=notify`) every
/// call does nothing, so the daemon calls it unconditionally. A socket that is
/// set but unusable is not an error worth stopping for: the failure is logged
/// once, and hotplugd carries on supervising its devices.
///
/// The environment is left as it is (`unset_environment` 0). Children never
/// see `NOTIFY_SOCKET` anyway: their environment is built from scratch.
/// The protocol is one datagram per message, sent by hotplugd itself (see
/// `SystemdDatagramSocket`); `vsock:` addresses are not supported.
public final class SystemdNotifier: ServiceNotifying {
    /// How often to call `watchdogPing()`, in nanoseconds: half of the unit's
    /// `WatchdogSec=`, as sd_watchdog_enabled(3) advises, so one late loop turn
    /// does not get hotplugd killed. Nil when systemd is not watching this
    /// process (no `WATCHDOG_USEC`, or `WATCHDOG_PID` names another process).
    public let watchdogInterval: UInt64?

    /// Whether `NOTIFY_SOCKET` was set when the notifier was made.
    public let isEnabled: Bool

    private let logger: Logger?
    /// Where the messages go; nil when `NOTIFY_SOCKET` is not an address
    /// hotplugd can use (each send then fails, logged once).
    private let address: UnixSocketAddress?
    /// Opened at the first message and kept.
    private var socket: SystemdDatagramSocket?
    /// The status systemd has last been sent, so repeats are not sent again.
    private var lastStatus: String?
    /// Set after a failed send and cleared by a successful one: a socket that
    /// stays broken is logged once, not at every watchdog ping.
    private var isFailing = false

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID` once.
    public init(logger: Logger? = nil) {
        self.logger = logger
        let notifySocket = Self.environment("NOTIFY_SOCKET")
        isEnabled = notifySocket.map { !$0.isEmpty } ?? false
        address = notifySocket.flatMap(UnixSocketAddress.init(notifySocket:))
        let timeout = WatchdogEnvironment.timeoutMicroseconds(usec: Self.environment("WATCHDOG_USEC"),
                                                              pid: Self.environment("WATCHDOG_PID"), ownPID: getpid())
        watchdogInterval = timeout.map(Self.pingInterval(watchdogMicroseconds:))
    }

    /// Start-up is done: the monitor is open and the present devices are bound.
    public func ready(status: String) {
        send(["READY=1", statusAssignment(status)])
    }

    /// A new status line for `systemctl status`; sent only when it differs
    /// from the last one, so calling it on every loop turn costs nothing.
    public func status(_ text: String) {
        let line = Self.singleLine(text)
        guard line != lastStatus else { return }
        lastStatus = line
        send(["STATUS=" + line])
    }

    /// The configuration is being read again (SIGHUP). systemd 253 and later
    /// want `MONOTONIC_USEC` with it to tell this reload from a stale one under
    /// `Type=notify-reload`; older versions ignore the field.
    public func reloading(status: String? = nil) {
        var assignments = ["RELOADING=1", "MONOTONIC_USEC=\(MonotonicClock.now() / 1_000)"]
        if let status { assignments.append(statusAssignment(status)) }
        send(assignments)
    }

    /// The reload is over, whether the new configuration was taken or refused:
    /// systemd leaves the "reloading" state only on `READY=1`.
    public func readyAfterReload(status: String) {
        ready(status: status)
    }

    /// Shutdown has begun: the children are being stopped.
    public func stopping(status: String? = nil) {
        var assignments = ["STOPPING=1"]
        if let status { assignments.append(statusAssignment(status)) }
        send(assignments)
    }

    /// The loop is alive. Call it every `watchdogInterval` nanoseconds.
    public func watchdogPing() {
        send(["WATCHDOG=1"])
    }

    /// `STATUS=` for a message that carries it along with another
    /// assignment; it then counts as sent.
    private func statusAssignment(_ status: String) -> String {
        let line = Self.singleLine(status)
        lastStatus = line
        return "STATUS=" + line
    }

    private func send(_ assignments: [String]) {
        guard isEnabled else { return }
        let message = Array(assignments.joined(separator: "\n").utf8)
        do throws(SystemCallError) {
            guard let address else { throw SystemCallError("NOTIFY_SOCKET", errno: EAFNOSUPPORT) }
            if socket == nil { socket = try SystemdDatagramSocket() }
            try socket?.send(message, to: address, "send to NOTIFY_SOCKET")
            isFailing = false
        } catch {
            if !isFailing {
                isFailing = true
                logger?.warning("cannot notify systemd (\(assignments.first ?? "")): \(SystemCallError.message(for: error.errno))")
            }
        }
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Half the watchdog timeout in nanoseconds; a timeout so large that the
    /// product overflows means "practically never", so it saturates.
    static func pingInterval(watchdogMicroseconds: UInt64) -> UInt64 {
        let (half, overflow) = watchdogMicroseconds.multipliedReportingOverflow(by: 500)
        return overflow ? UInt64.max : half
    }

    /// sd_notify's message is newline-separated `KEY=value` lines read as a C
    /// string: a status with a newline would add assignments of its own (say,
    /// a device name ending in "\nREADY=1") and a NUL would cut it short.
    static func singleLine(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            result.unicodeScalars.append(scalar.value < 0x20 || scalar.value == 0x7f ? " " : scalar)
        }
        return result
    }
}
