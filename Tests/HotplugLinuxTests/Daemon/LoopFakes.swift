import Glibc
import HotplugCore
@testable import HotplugLinux

/// The loop's wake-ups with nothing real behind them but an epoll
/// instance, where the components watch what they own and which is never
/// waited on: each wait reports the tokens the test readied, or the next
/// step of its script. Nothing needs root.
final class FakeWakeups: LoopWakeups {
    let epoll: Epoll
    let monitor = FakeMonitor()
    /// What the next wait reports; emptied by it.
    var ready: [UInt64] = []
    /// When nothing is readied: the next step, run at the wait (so it can
    /// look at what the turns before it did) and answering what is ready.
    var script: [() -> [UInt64]] = []
    /// What the next read of the signals gives.
    var pendingSignals: [Int32] = []
    /// The deadline the loop armed; nil: disarmed.
    private(set) var deadline: UInt64?
    private(set) var watching = false
    private(set) var waits = 0

    init() throws {
        epoll = try Epoll()
    }

    func watchSignalsAndDeadline() throws(SystemCallError) { watching = true }

    /// A wait with nothing readied and no script left would sleep forever:
    /// it fails instead, so a test that misjudged a turn ends.
    func wait() throws(SystemCallError) -> [(token: UInt64, events: UInt32)] {
        waits += 1
        if ready.isEmpty, !script.isEmpty { ready = script.removeFirst()() }
        guard !ready.isEmpty else { throw SystemCallError("fake wait: nothing readied", errno: EDEADLK) }
        defer { ready = [] }
        return ready.map { (token: $0, events: EpollEvents.readable.rawValue) }
    }

    func receivedSignals() throws(SystemCallError) -> [Int32] {
        defer { pendingSignals = [] }
        return pendingSignals
    }

    func setDeadline(_ nanoseconds: UInt64?) throws(SystemCallError) { deadline = nanoseconds }
    func acknowledgeDeadline() {}
}

/// The udev monitor as a queue the test fills, and the devices present
/// as a list the test keeps.
final class FakeMonitor: DeviceMonitoring {
    var queue: [MonitorReceipt<FakeDevice>] = []
    /// What an enumeration finds.
    var present: [FakeDevice] = []
    /// The subsystems of each enumeration, in order.
    private(set) var enumerations: [Set<String>?] = []
    /// The subsystems of each monitor opened again.
    private(set) var reopened: [Set<String>?] = []

    func receive() -> MonitorReceipt<FakeDevice> {
        queue.isEmpty ? .empty : queue.removeFirst()
    }

    func enumerate(subsystems: Set<String>?,
                   wanted: ((_ subsystem: String, _ sysname: String) -> Bool)?) throws(UdevError) -> [FakeDevice] {
        enumerations.append(subsystems)
        return present.filter { device in
            let subsystem = device.subsystem ?? ""
            return subsystems.map { $0.contains(subsystem) } ?? true
                && (wanted.map { $0(subsystem, device.sysname) } ?? true)
        }
    }

    /// No class directories to list: every re-enumeration is `enumerate`'s.
    func rescan(subsystems: Set<String>?, tracked: [(identity: DeviceIdentity, facts: DeviceFacts)],
                wanted: (_ subsystem: String, _ sysname: String) -> Bool,
                kernelName: (_ ifindex: Int32) -> String?) -> [RescannedDevice<FakeDevice>]? { nil }

    func watch(in epoll: Epoll, token: UInt64) throws(SystemCallError) {}
    /// When set, opening a monitor again fails with it (the old one stays).
    var reopenFailure: SystemCallError?

    func reopen(subsystems: Set<String>?, in epoll: Epoll, token: UInt64) throws {
        if let reopenFailure { throw reopenFailure }
        reopened.append(subsystems)
    }
    func syspath(ofDeviceAt path: String) -> String? { nil }
}

/// sd_notify, recorded.
final class FakeNotifier: ServiceNotifying {
    private(set) var messages: [String] = []
    /// Set before `start` for a daemon under systemd's watchdog.
    var watchdogInterval: UInt64?
    var isEnabled: Bool { false }
    func ready(status: String) { messages.append("READY") }
    func status(_ text: String) {}
    func reloading(status: String?) { messages.append("RELOADING") }
    func readyAfterReload(status: String) { messages.append("READY after reload") }
    func stopping(status: String?) { messages.append("STOPPING") }
    func watchdogPing() { messages.append("WATCHDOG") }
}

/// A whole daemon loop on fakes: the binding files in a directory of the
/// test's own, the fake kernel and clock, fake wake-ups and monitor, the
/// records and sd_notify in memory.
final class LoopHarness {
    let directory: String
    let kernel = FakeKernel()
    let wakeups: FakeWakeups
    let records = FakeRecords()
    let notifier = FakeNotifier()
    let log = LogCapture()
    let loop: DaemonLoop<FakeWakeups, FakeKernel>

    var monitor: FakeMonitor { wakeups.monitor }
    var supervisor: Supervisor { loop.supervisor }
    var rows: [StatusRow] { loop.supervisor.status() }

    /// Where the control socket listens, with `controlSocket`.
    var socketPath: String { directory + "/run/control.sock" }

    /// `bindings`: file name to text. `controlSocket`: the loop serves a
    /// real control socket in the test's directory.
    init(_ bindings: [String: String], controlSocket: Bool = false) throws {
        var template = Array("/tmp/hotplugd-loop-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw SystemCallError("mkdtemp", errno: errno)
        }
        directory = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        wakeups = try FakeWakeups()
        try Self.write(bindings, in: directory)
        let configuration: Configuration
        switch ConfigFiles.load(directory, strict: false) {
        case .success(let loaded): configuration = loaded
        case .failure(let errors): throw errors
        }
        if controlSocket { mkdir(directory + "/run", 0o700) }
        loop = try DaemonLoop(options: Daemon.Options(configPath: directory, source: .udev,
                                                      socketPath: controlSocket ? directory + "/run/control.sock" : nil,
                                                      strictConfig: false),
                              configuration: configuration, kernel: kernel, wakeups: wakeups,
                              registry: records, notifier: notifier, logger: log.logger)
    }

    deinit {
        unlink(socketPath)
        rmdir(directory + "/run")
        if let names = SystemFiles.entries(of: directory) { for name in names { unlink(directory + "/" + name) } }
        rmdir(directory)
    }

    /// A client of the control socket that has sent `line`; the loop has
    /// not accepted it yet.
    func connectAndSend(_ line: String) throws -> FileDescriptor {
        guard let client = FileDescriptor(adopting: socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)),
              let address = UnixSocketAddress(path: socketPath) else {
            throw SystemCallError("socket(AF_UNIX)", errno: errno)
        }
        guard address.withSockaddr({ connect(client.rawValue, $0, $1) }) == 0 else {
            throw SystemCallError("connect \(socketPath)", errno: errno)
        }
        let bytes = Array((line + "\n").utf8)
        guard Glibc.write(client.rawValue, bytes, bytes.count) == bytes.count else { throw SystemCallError("write", errno: errno) }
        return client
    }

    /// What the daemon has written back so far, without waiting.
    func answer(on client: borrowing FileDescriptor) -> String {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let count = recv(client.rawValue, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        return String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self)
    }

    /// Replaces the binding files with `bindings`.
    func write(_ bindings: [String: String]) throws {
        try Self.write(bindings, in: directory)
    }

    private static func write(_ bindings: [String: String], in directory: String) throws {
        if let names = SystemFiles.entries(of: directory) { for name in names { unlink(directory + "/" + name) } }
        for (name, text) in bindings {
            let path = directory + "/" + name
            let file = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard file >= 0 else { throw SystemCallError("open \(path)", errno: errno) }
            defer { close(file) }
            let bytes = Array(text.utf8)
            guard Glibc.write(file, bytes, bytes.count) == bytes.count else { throw SystemCallError("write \(path)", errno: errno) }
        }
    }

    /// A USB NIC the kernel now has (present to an enumeration from now
    /// on), its add event queued on the monitor.
    @discardableResult
    func plug(_ name: String, ifindex: Int32, serial: String = "A1") -> FakeDevice {
        kernel.link.links[ifindex] = LinkState(index: ifindex, name: name, mtu: 1500, isUp: false, mac: nil)
        let device = FakeDevice.net("add", name: name, ifindex: ifindex, serial: serial)
        monitor.present.append(device)
        monitor.queue.append(.device(device))
        return device
    }

    /// The NIC is gone (under the name the kernel has for it now); its
    /// remove event queued on the monitor.
    func unplug(ifindex: Int32) {
        let name = kernel.link.links.removeValue(forKey: ifindex)?.name ?? "?"
        monitor.present.removeAll { $0.facts.ifindex == ifindex }
        monitor.queue.append(.device(FakeDevice.net("remove", name: name, ifindex: ifindex)))
    }

    /// One loop turn in which `tokens` were ready.
    func turn(_ tokens: UInt64...) throws {
        wakeups.ready = tokens
        try loop.turn()
    }

    func turnForMonitor() throws { try turn(UdevSource<FakeMonitor>.token) }

    func turnForSignal(_ signal: Int32) throws {
        wakeups.pendingSignals = [signal]
        try turn(Daemon.Token.signals)
    }

    /// The child's pidfd became readable.
    func turnForExit(of child: FakeChild) throws {
        try turn(ChildrenStage<FakeKernel>.token(child.processID, .exit))
    }

    /// The deadline timer fires: the fake clock moves to the deadline armed.
    func turnForDeadline() throws {
        guard let deadline = wakeups.deadline else { throw SystemCallError("no deadline armed", errno: EINVAL) }
        kernel.clock = max(kernel.clock, deadline)
        try turn(Daemon.Token.timer)
    }
}
