import Glibc
import Testing
import TestSupport
@testable import HotplugLinux

/// Every type that owns descriptors closes each of them exactly once: after
/// it is dropped, none of the descriptors it held is open, and closing
/// early (a stream, a connection) leaves nothing to close a second time.
/// A second close inside a type's own deinit cannot be written: the owner
/// is non-copyable and `close()` consumes it.
///
/// Serialized: see TrackedDescriptor.
@Suite("Descriptors are closed exactly once", .serialized)
struct DescriptorLeakTests {
    @Test func epoll() throws {
        var epoll: Epoll? = try Epoll()
        let held = TrackedDescriptor(try #require(epoll).descriptor)
        #expect(held.target == "anon_inode:[eventpoll]")
        #expect(held.isOpen)
        epoll = nil
        #expect(!held.isOpen, "\(held) leaked")
    }

    @Test func signalFD() throws {
        // SIGUSR2 stays blocked in this thread afterwards; nothing here sends it.
        var signals: SignalFD? = try SignalFD(signals: [SIGUSR2])
        let held = TrackedDescriptor(try #require(signals).descriptor)
        #expect(held.target == "anon_inode:[signalfd]")
        signals = nil
        #expect(!held.isOpen, "\(held) leaked")
    }

    @Test func timerFD() throws {
        var timer: TimerFD? = try TimerFD()
        let held = TrackedDescriptor(try #require(timer).descriptor)
        #expect(held.target == "anon_inode:[timerfd]")
        timer = nil
        #expect(!held.isOpen, "\(held) leaked")
    }

    @Test func netlinkSocket() throws {
        var socket: NetlinkSocket? = try NetlinkSocket(protocol: NetlinkProtocol.route)
        let held = TrackedDescriptor(try #require(socket).descriptor)
        #expect(held.target.hasPrefix("socket:["))
        socket = nil
        #expect(!held.isOpen, "\(held) leaked")
    }

    @Test func netlinkSocketThatFailedToOpen() throws {
        // A protocol number the kernel does not have: socket() itself fails,
        // and nothing is left open.
        #expect(throws: NetlinkError.self) { _ = try NetlinkSocket(protocol: 31) }
    }

    @Test func udevMonitorClosesItsDuplicateOnly() throws {
        let context = try UdevContext()
        var monitor: UdevMonitor? = try UdevMonitor(context: context, source: .kernel, subsystems: ["net"])
        let held = try #require(monitor).withWatchedDescriptor { TrackedDescriptor($0) }
        #expect(held.target.hasPrefix("socket:["))
        monitor = nil
        #expect(!held.isOpen, "\(held) leaked")
    }

    @Test func spawnedAndReapedChild() throws {
        let exit: TrackedDescriptor
        let output: TrackedDescriptor
        let canary: Canary
        do {
            let child = try Spawner.spawn(SpawnRequest(argv: ["/bin/sh", "-c", "echo out; echo err >&2"]))
            exit = try #require(try child.withDescriptor(of: .exit) { TrackedDescriptor($0) })
            output = try #require(try child.withDescriptor(of: .output(.standardOutput)) { TrackedDescriptor($0) })
            let error = try #require(try child.withDescriptor(of: .output(.standardError)) { TrackedDescriptor($0) })
            #expect(output.target.hasPrefix("pipe:[") && error.target.hasPrefix("pipe:["))

            // The harness reads both streams to their end, closes them, reaps.
            let run = try ChildHarness.collect(child)
            #expect(run.status == .exited(0))
            #expect(run.stdout == ["out"] && run.stderr == ["err"])
            #expect(!output.isOpen && !error.isOpen, "streams still open after closeStream")

            // Closing a closed stream again must not close what now has its number.
            canary = try Canary(at: output.number)
            child.closeStream(.standardOutput)
            #expect(exit.isOpen, "the pidfd is the child's until it goes")
        }
        #expect(!exit.isOpen, "\(exit) leaked")
        let canaryAlive = canary.isAlive
        #expect(canaryAlive, "a second close of the stream closed another descriptor")
    }

    @Test func controlServerConnectionAndClient() async throws {
        let directory = try ChildHarness.makeTemporaryDirectory()
        defer { ChildHarness.removeTree(directory) }
        let path = directory + "/control.sock"
        let epoll = try Epoll()
        let listening: TrackedDescriptor
        do {
            let server = try ControlServer(path: path, group: nil)
            listening = TrackedDescriptor(server.descriptor)
            try epoll.add(server, token: 1, events: .readable)

            let answer = Task.detached { try ControlClient.send("status", to: path) }

            #expect(try epoll.wait(timeoutMilliseconds: 10_000).map(\.token) == [1])
            let connection = try #require(server.acceptAll().first)
            let accepted = try connection.withWatchedDescriptor { TrackedDescriptor($0) }
            try epoll.add(connection, token: 2, events: .readable)
            #expect(try epoll.wait(timeoutMilliseconds: 10_000).map(\.token).contains(2))
            #expect(connection.readRequest() == .line("status"))
            connection.respond("{\"ok\":true}")
            #expect(connection.flush())
            #expect(try await answer.value == "{\"ok\":true}")

            // The client has returned: its socket must be closed, which the
            // server's end sees as end of stream. A leaked client socket would
            // keep this end quiet until the wait ran out.
            #expect(try epoll.wait(timeoutMilliseconds: 10_000).map(\.token).contains(2))
            #expect(connection.readRequest() == .closed, "the client's socket is still open")

            try epoll.remove(connection)
            connection.close()
            #expect(!accepted.isOpen, "\(accepted) leaked")
            let canary = try Canary(at: accepted.number)
            connection.close()
            #expect(connection.isClosed)
            #expect(throws: SystemCallError.self) { try epoll.add(connection, token: 3, events: .readable) }
            let canaryAlive = canary.isAlive
            #expect(canaryAlive, "closing the connection twice closed another descriptor")
            try epoll.remove(server)
        }
        #expect(!listening.isOpen, "\(listening) leaked")
        #expect(access(path, F_OK) != 0, "the socket file outlived the server")
    }
}
