import Foundation
import Glibc
@testable import HotplugLinux
import Logging
import Testing
import TestSupport

/// The notifier against a socket standing in for systemd's. These tests set
/// NOTIFY_SOCKET and WATCHDOG_*, which belong to the whole test process, so
/// they run one at a time and put the variables back.
@Suite("systemd notification (sd_notify)", .serialized)
struct SystemdNotifierTests {
    /// Every variable sd_notify and sd_watchdog_enabled read, cleared.
    private static let noSystemd: [String: String?] = ["NOTIFY_SOCKET": nil, "WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]

    private func environment(_ values: [String: String?]) -> [String: String?] {
        Self.noSystemd.merging(values) { $1 }
    }

    @Test("a daemon's life: ready, status only on change, reload, watchdog, stop")
    func lifecycle() throws {
        let listener = try NotifySocketListener()
        let sent = ProcessEnvironment.with(environment(["NOTIFY_SOCKET": listener.notifySocket])) {
            let notifier = SystemdNotifier()
            #expect(notifier.isEnabled)
            notifier.ready(status: "3 bindings, 0 devices")
            notifier.status("3 bindings, 0 devices")   // what ready already said
            notifier.status("3 bindings, 1 device")
            notifier.status("3 bindings, 1 device")    // unchanged
            notifier.watchdogPing()
            let before = MonotonicClock.now() / 1_000
            notifier.reloading()
            let after = MonotonicClock.now() / 1_000
            notifier.readyAfterReload(status: "2 bindings, 1 device")
            notifier.status("2 bindings, 1 device")    // what readyAfterReload said
            notifier.stopping()
            return (listener.receiveAll(), before...after)
        }
        let (messages, reloadWindow) = sent
        try #require(messages.count == 6, "got \(messages)")
        #expect(messages[0] == "READY=1\nSTATUS=3 bindings, 0 devices")
        #expect(messages[1] == "STATUS=3 bindings, 1 device")
        #expect(messages[2] == "WATCHDOG=1")
        let reload = messages[3].split(separator: "\n", omittingEmptySubsequences: false)
        #expect(reload.count == 2)
        #expect(reload.first == "RELOADING=1")
        let stamp = reload.last.flatMap { $0.hasPrefix("MONOTONIC_USEC=") ? UInt64($0.dropFirst(15)) : nil }
        #expect(stamp.map(reloadWindow.contains) == true, "MONOTONIC_USEC outside \(reloadWindow): \(messages[3])")
        #expect(messages[4] == "READY=1\nSTATUS=2 bindings, 1 device")
        #expect(messages[5] == "STOPPING=1")
    }

    @Test("reloading and stopping may carry a status, which then counts as sent")
    func statusWithReloadAndStop() throws {
        let listener = try NotifySocketListener()
        let messages = ProcessEnvironment.with(environment(["NOTIFY_SOCKET": listener.notifySocket])) {
            let notifier = SystemdNotifier()
            notifier.reloading(status: "reloading bindings")
            notifier.status("reloading bindings")
            notifier.stopping(status: "stopping 2 children")
            notifier.status("stopping 2 children")
            notifier.status("stopping 1 child")
            return listener.receiveAll()
        }
        try #require(messages.count == 3, "got \(messages)")
        #expect(messages[0].hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
        #expect(messages[0].hasSuffix("\nSTATUS=reloading bindings"))
        #expect(messages[1] == "STOPPING=1\nSTATUS=stopping 2 children")
        #expect(messages[2] == "STATUS=stopping 1 child")
    }

    @Test("a status cannot smuggle in assignments of its own")
    func statusIsOneLine() throws {
        let listener = try NotifySocketListener()
        let messages = ProcessEnvironment.with(environment(["NOTIFY_SOCKET": listener.notifySocket])) {
            let notifier = SystemdNotifier()
            notifier.status("usb0\nREADY=1\r\u{0}x")
            return listener.receiveAll()
        }
        #expect(messages == ["STATUS=usb0 READY=1  x"])
    }

    @Test("an abstract socket (NOTIFY_SOCKET=@name) is reached too")
    func abstractSocket() throws {
        let listener = try NotifySocketListener(abstractName: "hotplugd-test-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let messages = ProcessEnvironment.with(environment(["NOTIFY_SOCKET": listener.notifySocket])) {
            SystemdNotifier().ready(status: "up")
            return listener.receiveAll()
        }
        #expect(messages == ["READY=1\nSTATUS=up"])
    }

    @Test("without NOTIFY_SOCKET (or with it empty) nothing is sent", arguments: [nil, ""] as [String?])
    func disabledWithoutSocket(value: String?) throws {
        let listener = try NotifySocketListener()
        let messages = ProcessEnvironment.with(environment(["NOTIFY_SOCKET": value])) {
            let notifier = SystemdNotifier()
            #expect(!notifier.isEnabled)
            #expect(notifier.watchdogInterval == nil)
            notifier.ready(status: "up")
            notifier.status("changed")
            notifier.reloading()
            notifier.readyAfterReload(status: "up again")
            notifier.watchdogPing()
            notifier.stopping()
            return listener.receiveAll()
        }
        #expect(messages.isEmpty)
    }

    @Test("an unusable NOTIFY_SOCKET is logged once, not per call, and nothing crashes", arguments: [
        "relative/notify.sock", "/nonexistent-hotplugd-dir/notify.sock", "@", "/",
        "/" + String(repeating: "x", count: 300), "@" + String(repeating: "y", count: 300), "vsock:nonsense",
    ])
    func oddSocket(value: String) throws {
        let capture = LogCapture()
        let logger = capture.logger
        ProcessEnvironment.with(environment(["NOTIFY_SOCKET": value])) {
            let notifier = SystemdNotifier(logger: logger)
            notifier.ready(status: "up")
            notifier.status("changed")
            notifier.watchdogPing()
            notifier.watchdogPing()
            notifier.stopping()
        }
        let warnings = capture.messages
        #expect(warnings.count == 1, "NOTIFY_SOCKET=\(value): \(warnings)")
        #expect(warnings.first?.hasPrefix("cannot notify systemd (READY=1): ") == true)
    }

    @Test("WATCHDOG_USEC for this process gives half the timeout, in nanoseconds")
    func watchdogInterval() {
        let cases: [(usec: String?, pid: String?, expected: UInt64?)] = [
            ("30000000", String(getpid()), 15_000_000_000),
            ("30000000", nil, 15_000_000_000),                  // no WATCHDOG_PID: meant for whoever reads it
            ("1", String(getpid()), 500),
            ("30000000", String(getpid() + 1), nil),            // another process's watchdog
            ("30000000", "not-a-pid", nil),
            ("0", String(getpid()), nil),
            ("-5", String(getpid()), nil),
            ("thirty", String(getpid()), nil),
            ("", String(getpid()), nil),
            ("18446744073709551614", String(getpid()), UInt64.max),  // saturates, no overflow trap
            ("99999999999999999999999", String(getpid()), nil),  // not a 64-bit number
            (nil, String(getpid()), nil),
        ]
        for watchdog in cases {
            let interval = ProcessEnvironment.with(
                environment(["WATCHDOG_USEC": watchdog.usec, "WATCHDOG_PID": watchdog.pid])
            ) {
                SystemdNotifier().watchdogInterval
            }
            #expect(interval == watchdog.expected, "WATCHDOG_USEC=\(watchdog.usec ?? "unset") WATCHDOG_PID=\(watchdog.pid ?? "unset")")
        }
    }

    @Test("the watchdog environment is left for the next reader")
    func environmentKept() {
        ProcessEnvironment.with(environment(["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": String(getpid())])) {
            #expect(SystemdNotifier().watchdogInterval == 1_000_000_000)
            #expect(SystemdNotifier().watchdogInterval == 1_000_000_000)
            #expect(getenv("WATCHDOG_USEC").map { String(cString: $0) } == "2000000")
        }
    }
}
