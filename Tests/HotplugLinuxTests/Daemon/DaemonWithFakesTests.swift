import Glibc
import HotplugCore
@testable import HotplugLinux
import Testing

/// The daemon's device path (`DeviceSupervision`: the core, the four stage
/// executors, the step from a udev event to a core event) on a fake kernel
/// with a fake clock, driven as the loop drives it: one call per ready
/// token, then the end of the turn. No root, no devices, no processes.
struct DaemonWithFakesTests {
    static let binding = """
        [match]
        subsystem = "net"
        kernel = "usb*"

        [link]
        name = "glk{n}"
        mtu = 1400
        addresses = ["10.42.0.1/24"]

        [firewall]
        input = "restrict"
        allow-tcp = [8080]

        [listen]
        stream = ["8080"]

        [exec]
        command = ["/usr/bin/autoconf", "--interface", "{interface}"]
        restart = "on-failure"
        restart-delay = "500ms"
        """

    let kernel = FakeKernel()
    let records = FakeRecords()
    let log = LogCapture()
    let supervision: DeviceSupervision<FakeKernel>

    init() throws {
        let configuration: Configuration
        switch ConfigLoader.load([ConfigSource(path: "/etc/hotplugd/gamelink.toml", text: Self.binding)]) {
        case .success(let loaded): configuration = loaded
        case .failure(let errors): throw errors
        }
        kernel.link.links[7] = LinkState(index: 7, name: "usb0", mtu: 1500, isUp: false, mac: nil)
        supervision = DeviceSupervision(configuration: configuration, kernel: kernel, records: records,
                                        epoll: try Epoll(), logger: log.logger)
    }

    /// One loop turn: the monitor's events, then the held-back answers.
    func turn(_ devices: FakeDevice...) {
        for device in devices { supervision.handle(device) }
        supervision.finishTurn()
    }

    /// The child's pidfd became readable, as the loop would report it.
    func exited(_ child: FakeChild, _ status: HotplugLinux.ExitStatus) {
        child.exits(status)
        supervision.children.ready(ChildrenStage<FakeKernel>.token(child.processID, .exit))
        supervision.finishTurn()
    }

    /// The deadline timer fired at the core's next deadline.
    func timerFires() throws {
        let deadline = try #require(supervision.supervisor.nextDeadline, "a deadline is due")
        kernel.clock = max(kernel.clock, deadline.nanoseconds)
        supervision.apply(.tick)
        supervision.finishTurn()
    }

    var rows: [StatusRow] { supervision.supervisor.status() }

    @Test func plugLinkFirewallSocketsChildrenThenUnplug() throws {
        // The start, as the daemon's: the bindings' chains, no device yet.
        try supervision.configureFirewall()
        supervision.apply(.present([]))
        supervision.finishTurn()
        #expect(rows.isEmpty)

        // Plug: the link is configured at once, the firewall waits for the
        // end of the turn (one transaction), then sockets and the child.
        supervision.handle(FakeDevice.net("add", name: "usb0", ifindex: 7))
        #expect(kernel.link.calls == ["usb0 rename glk0", "glk0 mtu 1400", "glk0 address 10.42.0.1/24", "glk0 up"])
        #expect(kernel.firewall.batches.isEmpty, "the firewall is written at the end of the turn")
        #expect(rows.map(\.stage) == [.firewall])
        #expect(kernel.processes.spawned.isEmpty)
        supervision.finishTurn()

        #expect(kernel.firewall.batches.count == 1)
        let rules = kernel.firewall.batches.map { $0.lines.joined(separator: "\n") }.joined(separator: "\n")
        #expect(rules.contains("8080"), "the allowed port is in the rules")
        #expect(kernel.sockets.opened.map(\.address.port) == [8080])
        let child = try #require(kernel.processes.spawned.first)
        #expect(kernel.processes.spawned.count == 1)
        #expect(child.request.argv == ["/usr/bin/autoconf", "--interface", "glk0"])
        #expect(child.passedSockets == 1)
        #expect(records.recorded == [child.processID.rawValue], "recorded for crash recovery")
        #expect(rows.map(\.state) == ["running"])
        #expect(rows.first?.pid == child.processID)
        #expect(rows.first?.interface == "glk0")

        // Unplug: the child is stopped, then its sockets and rules go, and
        // the device is forgotten.
        let batchesBefore = kernel.firewall.batches.count
        turn(FakeDevice.net("remove", name: "glk0", ifindex: 7))
        #expect(child.signals == [SIGTERM])
        #expect(rows.map(\.state) == ["stopping"])
        exited(child, .signaled(SIGTERM, coreDumped: false))
        #expect(rows.isEmpty, "the device is forgotten once its child is gone")
        #expect(kernel.firewall.batches.count == batchesBefore + 1, "its rules removed in one transaction")
        #expect(kernel.firewall.batches.last?.lines == [#"delete element inet hotplugd input-devices { " 7" }"#],
                "only the device's map element: the binding's chains stay for its next device")
        #expect(records.recorded.isEmpty)
        #expect(kernel.processes.running.isEmpty)
        #expect(kernel.processes.spawned.count == 1, "no restart after a requested stop")
    }

    @Test func aChildThatFailsIsRestartedAfterItsDelayOnTheFakeClock() throws {
        turn(FakeDevice.net("add", name: "usb0", ifindex: 7))
        let first = try #require(kernel.processes.spawned.first)
        #expect(rows.map(\.state) == ["running"])

        let exitedAt = kernel.clock
        exited(first, .exited(3))
        #expect(rows.map(\.state) == ["backoff"])
        #expect(rows.first?.nextTry == Instant(nanoseconds: exitedAt + 500_000_000), "restart-delay = 500ms")
        #expect(kernel.processes.spawned.count == 1, "nothing starts before the delay")
        #expect(records.recorded.isEmpty)

        try timerFires()
        #expect(kernel.clock == exitedAt + 500_000_000)
        #expect(kernel.processes.spawned.count == 2)
        let second = kernel.processes.spawned[1]
        #expect(second.processID != first.processID)
        #expect(second.passedSockets == 1, "the same [listen] socket, kept across the restart")
        #expect(kernel.sockets.opened.count == 1, "not opened again")
        #expect(rows.map(\.state) == ["running"])
        #expect(rows.first?.restarts == 1)
        #expect(rows.first?.pid == second.processID)
        #expect(kernel.link.calls.count == 4, "a child's restart redoes no earlier stage")
    }

    @Test func aChildThatIgnoresSIGTERMGetsSIGKILLAtItsStopTimeout() throws {
        turn(FakeDevice.net("add", name: "usb0", ifindex: 7))
        let child = try #require(kernel.processes.spawned.first)
        child.diesOf = [SIGKILL]
        let removedAt = kernel.clock
        turn(FakeDevice.net("remove", name: "glk0", ifindex: 7))
        #expect(child.signals == [SIGTERM])
        try timerFires()
        #expect(kernel.clock == removedAt + 5_000_000_000, "the default stop-timeout, 5 s")
        #expect(child.signals == [SIGTERM, SIGKILL])
        exited(child, .signaled(SIGKILL, coreDumped: false))
        #expect(rows.isEmpty)
    }

    @Test func aDeviceNoBindingCanWantIsNotReadAndStartsNothing() {
        turn(FakeDevice.net("add", name: "veth9", ifindex: 9))
        #expect(rows.isEmpty)
        #expect(kernel.link.calls.isEmpty)
        #expect(kernel.processes.spawned.isEmpty)
    }

    @Test func aLateMoveNamingTheOldNameIsCheckedAgainstTheKernelAndRenamesNothingBack() throws {
        turn(FakeDevice.net("add", name: "usb0", ifindex: 7))
        let child = try #require(kernel.processes.spawned.first)
        let calls = kernel.link.calls
        // udev's event for the kernel's first name, delivered after our rename.
        turn(FakeDevice.net("move", name: "usb0", ifindex: 7))
        #expect(kernel.link.calls == calls, "no rename back to usb0")
        #expect(rows.map(\.interface) == ["glk0"])
        #expect(child.isRunning && kernel.processes.spawned.count == 1)
    }
}
