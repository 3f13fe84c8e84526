import Glibc
import HotplugCore
import Logging

/// Everything the daemon's device path asks of the machine: links,
/// nftables, processes, listening sockets, interface names and the clock.
/// The seam that lets a test run plug → link → firewall → sockets →
/// children → unplug without root, a fake kernel and a fake clock standing
/// in (`DaemonWithFakesTests`). Production is `LinuxKernel`, built by
/// `hotplugd run` and injected into the loop (`Daemon`, `DaemonLoop`).
///
/// Generic, not existential: the stages are specialised for the kernel
/// they run on, so the hot path (event → match → spawn) pays no dynamic
/// dispatch for the seam.
protocol DaemonKernel {
    associatedtype Link: LinkOperations
    associatedtype Firewall: FirewallOperations
    associatedtype Processes: ProcessSpawning
    associatedtype Sockets: SocketOpening
    associatedtype FirewallChanges: FirewallChangeNotifications

    var link: Link { get }
    var firewall: Firewall { get }
    var processes: Processes { get }
    var sockets: Sockets { get }
    /// CLOCK_MONOTONIC in nanoseconds: every deadline's time base.
    func now() -> UInt64
    /// The interface names in use, for picking the lowest free `{n}`.
    func interfaceNames() -> Set<String>
    /// The kernel's name for an ifindex now, as bytes; nil when it is gone.
    func interfaceName(ofIndex index: Int32) -> [UInt8]?
    /// This daemon's claim on the nftables table of its network namespace
    /// (`FirewallTableLock`), taken before the first write to it.
    func claimFirewallTable() throws(FirewallTableLock.Refusal) -> FirewallTableLock
    /// nftables' change notifications for hotplugd's table, from now on.
    func subscribeFirewallChanges() throws(SystemCallError) -> FirewallChanges
}

/// Who else changed hotplugd's nftables table, as the firewall keeper
/// watches it: `NftablesEvents` in production, a test's fake otherwise.
protocol FirewallChangeNotifications: AnyObject {
    func watch(in epoll: Epoll, token: UInt64) throws(SystemCallError)
    func unwatch(from epoll: Epoll)
    /// Every notification received since the last drain.
    func drain() -> NftablesEvents.Report
}

extension NftablesEvents: FirewallChangeNotifications {
    func watch(in epoll: Epoll, token: UInt64) throws(SystemCallError) {
        try epoll.add(self, token: token, events: .readable)
    }

    func unwatch(from epoll: Epoll) {
        try? epoll.remove(self)
    }
}

/// The real machine: rtnetlink, nftables, `clone` through `CHotplugSpawn`,
/// sockets through `CHotplugSocket`, CLOCK_MONOTONIC.
public struct LinuxKernel: DaemonKernel {
    let link: RouteNetlink
    let firewall: FirewallKernel
    let processes = LinuxProcesses()
    let sockets = LinuxSockets()

    /// Opens the rtnetlink socket; nftables is opened on first use.
    public init() throws(NetlinkError) {
        link = try RouteNetlink()
        firewall = FirewallKernel()
    }

    func now() -> UInt64 { MonotonicClock.now() }
    func interfaceNames() -> Set<String> { InterfaceNames.present() }
    func interfaceName(ofIndex index: Int32) -> [UInt8]? { InterfaceNames.current(ofIndex: index) }
    func claimFirewallTable() throws(FirewallTableLock.Refusal) -> FirewallTableLock { try FirewallTableLock.acquire() }
    func subscribeFirewallChanges() throws(SystemCallError) -> NftablesEvents {
        try NftablesEvents(family: 1 /* NFPROTO_INET */, table: FirewallRuleset.tableName)
    }
}

/// A supervised child as the children stage handles it: signalled, reaped,
/// its output read, its descriptors watched in the loop. `ChildProcess` in
/// production; a fake in tests.
protocol SupervisableProcess: AnyObject {
    var processID: ProcessID { get }
    /// When it started, in clock ticks since boot, if known without /proc.
    var startTick: UInt64? { get }
    func signalGroup(_ signal: Int32) throws(SystemCallError)
    func tryReap() -> ExitStatus?
    func readOutputLines(from stream: ChildProcess.Stream) -> [String]
    func discardOutputLines(from stream: ChildProcess.Stream) -> Int
    func hasReachedEndOfStream(_ stream: ChildProcess.Stream) -> Bool
    func isOpen(_ stream: ChildProcess.Stream) -> Bool
    func closeStream(_ stream: ChildProcess.Stream)
    /// False when there is nothing to watch (no pidfd, a closed stream).
    @discardableResult
    func watch(_ watched: ChildProcess.Watched, in epoll: Epoll, token: UInt64) throws(SystemCallError) -> Bool
    func unwatch(_ watched: ChildProcess.Watched, in epoll: Epoll) throws(SystemCallError)
    /// The descriptor number behind `watched`, for the re-exec state.
    func descriptorNumber(of watched: ChildProcess.Watched) -> Int32?
    /// A line begun and not yet ended on `stream`, for the re-exec state.
    func partialLine(_ stream: ChildProcess.Stream) -> PartialLine?
}

/// Starting children and looking after what their process groups leave.
protocol ProcessSpawning {
    associatedtype Child: SupervisableProcess
    /// Starts the child with `sockets` at fd 3 on (LISTEN_FDS), named `names`.
    func spawn(_ request: SpawnRequest, passing sockets: [ListeningSocket], names: String) throws(SpawnError) -> Child
    /// A child a previous image started (re-exec), from its descriptors.
    func adopt(pid: ProcessID, pidfd: consuming FileDescriptor?, standardOutput: consuming FileDescriptor?,
               standardError: consuming FileDescriptor?, startTick: UInt64?,
               partialOutput: PartialLine?, partialError: PartialLine?) -> Child
    /// Whether any live process is left in the group of a reaped child.
    func groupHasMembers(_ group: ProcessID) -> Bool
    /// Signals what a reaped child left of its group; false when nothing is left.
    func signalLeftovers(_ group: ProcessID, _ signal: Int32) -> Bool
}

/// Opening `[listen]` sockets, and the two questions the sockets stage asks
/// of one it holds.
protocol SocketOpening {
    /// A bound (and, for a stream, listening) close-on-exec socket.
    func open(_ socket: ListenSocket, ifindex: Int32?, backlog: Int32, reusePort: Bool) throws(ListeningSocket.OpenFailure) -> FileDescriptor
    /// Whether a stream socket still listens (a child's shutdown(2) ends that for every holder).
    func accepts(_ descriptor: borrowing FileDescriptor) -> Bool
    /// Listens again on a socket a child shut down.
    func listenAgain(_ descriptor: borrowing FileDescriptor, backlog: Int32) -> Bool
}

/// Where each running child is recorded for crash recovery (`ChildRegistry`).
protocol ChildRecording: AnyObject {
    func record(pid: Int32, startTick: UInt64?, binding: String, devpath: String, stop: StopSequence, logger: Logger?)
    func forget(pid: Int32)
}

struct LinuxProcesses: ProcessSpawning {
    func spawn(_ request: SpawnRequest, passing sockets: [ListeningSocket], names: String) throws(SpawnError) -> ChildProcess {
        try Spawner.spawn(request, passing: sockets, names: names)
    }

    func adopt(pid: ProcessID, pidfd: consuming FileDescriptor?, standardOutput: consuming FileDescriptor?,
                      standardError: consuming FileDescriptor?, startTick: UInt64?,
                      partialOutput: PartialLine?, partialError: PartialLine?) -> ChildProcess {
        ChildProcess(pid: pid.rawValue, pidfd: pidfd, standardOutput: standardOutput, standardError: standardError,
                     startTick: startTick, partialOutput: partialOutput, partialError: partialError)
    }

    func groupHasMembers(_ group: ProcessID) -> Bool { ProcessGroup.hasMembers(group) }
    func signalLeftovers(_ group: ProcessID, _ signal: Int32) -> Bool { ProcessGroup.signalLeftovers(group, signal) }
}

extension ChildProcess: SupervisableProcess {
    func descriptorNumber(of watched: Watched) -> Int32? {
        (try? withDescriptor(of: watched) { $0.rawValue }) ?? nil
    }
}

/// The crash-recovery records as the daemon keeps them (`ChildRegistry`):
/// their directory opened at start, what a crashed predecessor left
/// stopped, the directory removed on a clean exit.
protocol ChildRecovery: ChildRecording {
    /// Running children whose record could not be written (shown in `status`).
    var unrecorded: Set<Int32> { get }
    /// Why the last record could not be written.
    var lastFailure: String? { get }
    func prepare(logger: Logger)
    /// `includingOwn`: records this very process wrote count too.
    func stopLeftovers(logger: Logger, includingOwn: Bool)
    func close()
}

extension ChildRecovery {
    func stopLeftovers(logger: Logger) { stopLeftovers(logger: logger, includingOwn: false) }
}

extension ChildRegistry: ChildRecovery {}
