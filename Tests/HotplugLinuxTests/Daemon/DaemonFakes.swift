import Glibc
import HotplugCore
@testable import HotplugLinux
import Logging

/// A machine for the daemon's device path with nothing real behind it but
/// /dev/null: links kept in a table, nftables batches recorded, children
/// that exit when told to, sockets that are /dev/null descriptors, and a
/// clock that moves only when the test moves it. Nothing needs root.
final class FakeKernel: DaemonKernel {
    let link = FakeLinks()
    let firewall = FakeFirewall()
    let processes = FakeProcesses()
    let sockets = FakeSockets()
    let firewallChanges = FakeFirewallChanges()
    /// CLOCK_MONOTONIC as the test sets it.
    var clock: UInt64 = 1_000_000_000

    func now() -> UInt64 { clock }
    func interfaceNames() -> Set<String> { Set(link.links.values.map(\.name)) }
    func interfaceName(ofIndex index: Int32) -> [UInt8]? { link.links[index].map { Array($0.name.utf8) } }

    func subscribeFirewallChanges() throws(SystemCallError) -> FakeFirewallChanges {
        firewallChanges.subscriptions += 1
        return firewallChanges
    }

    /// How often the table was claimed.
    private(set) var tableClaims = 0

    /// A lock on a file of the test's own, unlinked at once: never the
    /// state directory a real daemon on this machine locks.
    func claimFirewallTable() throws(FirewallTableLock.Refusal) -> FirewallTableLock {
        var template = Array("/tmp/hotplugd-fake-table-XXXXXX".utf8CString)
        let number = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard let file = FileDescriptor(adopting: number) else {
            throw FirewallTableLock.Refusal(description: "fake: mkstemp: \(errnoText())")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        guard let lock = FirewallTableLock.adopting(file) else {
            throw FirewallTableLock.Refusal(description: "fake: flock: \(errnoText())")
        }
        tableClaims += 1
        return lock
    }

    func advance(by span: Duration) {
        let (seconds, attoseconds) = span.components
        clock += UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}

/// The links by ifindex, and every change asked of them, in order.
final class FakeLinks: LinkOperations {
    var links: [Int32: LinkState] = [:]
    var addressList: [Int32: [IPPrefix]] = [:]
    var calls: [String] = []

    func withTimeLimit<Result, Failure: Error>(
        _ limit: Duration, for purpose: String, _ body: () throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body()
    }

    func link(index: Int32) throws(NetlinkError) -> LinkState? { links[index] }
    func link(named name: String) throws(NetlinkError) -> LinkState? { links.values.first { $0.name == name } }
    func setUp(index: Int32, _ up: Bool) throws(NetlinkError) {
        calls.append("\(links[index]?.name ?? "?") \(up ? "up" : "down")")
        links[index]?.isUp = up
    }
    func rename(index: Int32, to newName: String) throws(NetlinkError) {
        calls.append("\(links[index]?.name ?? "?") rename \(newName)")
        links[index]?.name = newName
    }
    func setMTU(index: Int32, _ mtu: UInt32) throws(NetlinkError) {
        calls.append("\(links[index]?.name ?? "?") mtu \(mtu)")
        links[index]?.mtu = mtu
    }
    func addresses(index: Int32) throws(NetlinkError) -> [IPPrefix] { addressList[index] ?? [] }
    func addAddress(index: Int32, _ prefix: IPPrefix) throws(NetlinkError) {
        calls.append("\(links[index]?.name ?? "?") address \(prefix)")
        addressList[index, default: []].append(prefix)
    }
    func announceAddresses(interface: String, ipv4: Bool, ipv6: Bool) {}
}

/// nftables' change notifications as the test makes them up: the next
/// drain reports `pending`.
final class FakeFirewallChanges: FirewallChangeNotifications {
    var subscriptions = 0
    private(set) var watched = false
    var pending = NftablesEvents.Report()

    func watch(in epoll: Epoll, token: UInt64) throws(SystemCallError) { watched = true }
    func unwatch(from epoll: Epoll) { watched = false }
    func drain() -> NftablesEvents.Report {
        defer { pending = NftablesEvents.Report() }
        return pending
    }
}

/// Every nftables transaction, as its lines.
final class FakeFirewall: FirewallOperations {
    var batches: [FirewallBatch] = []
    func apply(_ batch: FirewallBatch) throws(NftablesError) { batches.append(batch) }
}

/// A child that runs until the test (or a signal it does not ignore) ends it.
final class FakeChild: SupervisableProcess {
    let processID: ProcessID
    let request: SpawnRequest
    let passedSockets: Int
    let socketNames: String
    var startTick: UInt64? { nil }
    /// Every signal its group got, in order.
    private(set) var signals: [Int32] = []
    /// Signals it dies of; the others (SIGTERM for a stubborn child) it survives.
    var diesOf: Set<Int32> = [SIGTERM, SIGINT, SIGKILL]
    private var exit: HotplugLinux.ExitStatus?
    private var reaped = false
    var output: [ChildProcess.Stream: [String]] = [:]
    private var closed: Set<ChildProcess.Stream> = []

    init(_ pid: ProcessID, _ request: SpawnRequest, passedSockets: Int, socketNames: String) {
        processID = pid
        self.request = request
        self.passedSockets = passedSockets
        self.socketNames = socketNames
    }

    var isRunning: Bool { exit == nil }

    /// It exits on its own; the loop learns of it when the test says its pidfd is ready.
    func exits(_ status: HotplugLinux.ExitStatus) { if exit == nil { exit = status } }

    func signalGroup(_ signal: Int32) throws(SystemCallError) {
        signals.append(signal)
        if diesOf.contains(signal) { exits(.signaled(signal, coreDumped: false)) }
    }

    func tryReap() -> HotplugLinux.ExitStatus? {
        guard !reaped, let exit else { return nil }
        reaped = true
        return exit
    }

    func readOutputLines(from stream: ChildProcess.Stream) -> [String] {
        defer { output[stream] = [] }
        return output[stream] ?? []
    }
    func discardOutputLines(from stream: ChildProcess.Stream) -> Int { readOutputLines(from: stream).count }
    func hasReachedEndOfStream(_ stream: ChildProcess.Stream) -> Bool { reaped }
    func isOpen(_ stream: ChildProcess.Stream) -> Bool { !closed.contains(stream) }
    func closeStream(_ stream: ChildProcess.Stream) { closed.insert(stream) }
    func watch(_ watched: ChildProcess.Watched, in epoll: Epoll, token: UInt64) throws(SystemCallError) -> Bool { false }
    func unwatch(_ watched: ChildProcess.Watched, in epoll: Epoll) throws(SystemCallError) {}
    func descriptorNumber(of watched: ChildProcess.Watched) -> Int32? { nil }
    func partialLine(_ stream: ChildProcess.Stream) -> PartialLine? { nil }
}

/// Spawns `FakeChild`ren with increasing pids, far above any real one, so
/// that nothing here ever names a process of this machine.
final class FakeProcesses: ProcessSpawning {
    private var nextPID: Int32 = 4_000_000
    /// Every child started, in order.
    private(set) var spawned: [FakeChild] = []
    /// When set, spawns fail with this reason.
    var failure: String?

    var running: [FakeChild] { spawned.filter(\.isRunning) }

    func spawn(_ request: SpawnRequest, passing sockets: [ListeningSocket], names: String) throws(SpawnError) -> FakeChild {
        if let failure { throw SpawnError(stage: .exec, errno: ENOENT, detail: failure) }
        nextPID += 1
        let child = FakeChild(ProcessID(nextPID), request, passedSockets: sockets.count, socketNames: names)
        spawned.append(child)
        return child
    }

    func adopt(pid: ProcessID, pidfd: consuming FileDescriptor?, standardOutput: consuming FileDescriptor?,
               standardError: consuming FileDescriptor?, startTick: UInt64?,
               partialOutput: PartialLine?, partialError: PartialLine?) -> FakeChild {
        FakeChild(pid, SpawnRequest(argv: ["adopted"]), passedSockets: 0, socketNames: "")
    }

    func groupHasMembers(_ group: ProcessID) -> Bool { false }
    func signalLeftovers(_ group: ProcessID, _ signal: Int32) -> Bool { false }
}

/// Sockets that are /dev/null: a real descriptor each (so the sockets
/// stage owns and closes it as it would a socket), counted while open.
final class FakeSockets: SocketOpening {
    private(set) var opened: [ListenSocket] = []

    func open(_ socket: ListenSocket, ifindex: Int32?, backlog: Int32, reusePort: Bool) throws(ListeningSocket.OpenFailure) -> FileDescriptor {
        guard let descriptor = FileDescriptor(adopting: Glibc.open("/dev/null", O_RDONLY | O_CLOEXEC)) else {
            throw ListeningSocket.OpenFailure(socket: socket, bindingToDevice: false, inUse: false, errno: errno)
        }
        opened.append(socket)
        return descriptor
    }

    func accepts(_ descriptor: borrowing FileDescriptor) -> Bool { true }
    func listenAgain(_ descriptor: borrowing FileDescriptor, backlog: Int32) -> Bool { true }
}

/// Crash-recovery records, in memory.
final class FakeRecords: ChildRecovery {
    private(set) var recorded: Set<Int32> = []
    /// What the daemon asked of the records as a whole, in order.
    private(set) var calls: [String] = []
    var unrecorded: Set<Int32> { [] }
    var lastFailure: String? { nil }

    func record(pid: Int32, startTick: UInt64?, binding: String, devpath: String, stop: StopSequence, logger: Logger?) {
        recorded.insert(pid)
    }
    func forget(pid: Int32) { recorded.remove(pid) }
    func prepare(logger: Logger) { calls.append("prepare") }
    func stopLeftovers(logger: Logger, includingOwn: Bool) { calls.append("stop leftovers") }
    func close() { calls.append("close") }
}

/// A udev event with the facts a test gives it.
struct FakeDevice: DeviceRecord {
    var action: String?
    var facts: DeviceFacts

    var subsystem: String? { facts.subsystem }
    var sysname: String { facts.sysname }
    var devpath: String { facts.devpath }
    func property(_ key: String) -> String? { facts.properties[key] }
    func facts(needs: FactNeeds) -> DeviceFacts { facts }

    /// A net device's event, as udev sends it for a USB NIC.
    static func net(_ action: String, name: String, ifindex: Int32, serial: String = "A1") -> FakeDevice {
        let devpath = "/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/net/\(name)"
        return FakeDevice(action: action, facts: DeviceFacts(
            syspath: "/sys" + devpath, devpath: devpath, subsystem: "net", sysname: name,
            properties: ["IFINDEX": String(ifindex), "INTERFACE": name, "ID_SERIAL_SHORT": serial],
            ifindex: ifindex))
    }
}
