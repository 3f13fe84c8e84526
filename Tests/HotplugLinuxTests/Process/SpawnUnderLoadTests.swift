import CHotplugSpawn
import Glibc
@testable import HotplugCore
@testable import HotplugLinux
import Testing

/// The spawn path with many children running: the child borrows the daemon's
/// descriptor table (CLONE_FILES) and keeps only the low descriptors it
/// needs, so these check that it gets exactly 0, 1, 2 and its sockets, that
/// the daemon is left with no stray copies, and that failures keep their
/// stage. No timing here: bench/run's coldplug part measures the cost.
@Suite("Spawn under load", .serialized)
struct SpawnUnderLoadTests {
    static let runningChildren = 200

    /// Children that sleep until killed, each holding its three descriptors
    /// in this process, as the daemon's running children do.
    final class RunningChildren {
        var children: [ChildProcess] = []

        init(count: Int) throws {
            for _ in 0..<count {
                children.append(try Spawner.spawn(SpawnRequest(argv: ["/bin/sleep", "600"])))
            }
        }

        deinit {
            for child in children { try? child.signalGroup(SIGKILL) }
            for child in children {
                while child.tryReap() == nil { usleep(1000) }
            }
        }
    }

    static func loopbackSocket() throws -> ListeningSocket {
        try ListeningSocket(ListenSocket(kind: .stream, address: ListenAddress(host: .ipv4([127, 0, 0, 1]), port: 0)),
                            ifindex: nil, backlog: 4, reusePort: false)
    }

    /// How many of this process's descriptors refer to what `target` names
    /// (/proc/self/fd's link text, e.g. "socket:[1234]").
    static func descriptors(naming target: String) -> Int {
        guard let directory = opendir("/proc/self/fd") else { return -1 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != ".", name != "..", link("/proc/self/fd/" + name) == target { count += 1 }
        }
        return count
    }

    static func link(_ path: String) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let count = readlink(path, &buffer, buffer.count - 1)
        return count < 0 ? "" : String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test("with 200 children running, a child gets exactly 0, 1, 2 and its two sockets at 3 and 4")
    func exactDescriptorsUnderLoad() throws {
        let running = try RunningChildren(count: Self.runningChildren)
        // A descriptor the daemon forgot to mark close-on-exec, above the
        // children's: it must not leak either.
        let leaky = open("/dev/null", O_RDONLY)
        try #require(leaky >= 0)
        defer { close(leaky) }
        let sockets = [try Self.loopbackSocket(), try Self.loopbackSocket()]
        let request = SpawnRequest(argv: ["/bin/ls", "-1", "/proc/self/fd"])
        let child = try Spawner.spawn(request, passing: sockets, names: "a:b")
        let listing = try ChildHarness.collect(child)
        // ls holds one descriptor of its own (5) for the directory it lists.
        #expect(listing.status == .exited(0))
        #expect(listing.stdout == ["0", "1", "2", "3", "4", "5"])

        let identities = try Spawner.spawn(SpawnRequest(argv: ["/usr/bin/readlink", "/proc/self/fd/3", "/proc/self/fd/4"]),
                                           passing: sockets, names: "a:b")
        let linked = try ChildHarness.collect(identities)
        #expect(linked.stdout == sockets.map { Self.link("/proc/self/fd/\($0.descriptor.rawValue)") })
        withExtendedLifetime(running) {}
    }

    @Test("sockets opened while the low descriptors are taken still reach 3 and 4, and leave no copy behind")
    func highSocketsUnderLoad() throws {
        let running = try RunningChildren(count: Self.runningChildren)
        // Fill the low numbers so the sockets land high, as in a daemon whose
        // low descriptors are all in use.
        var fillers: [Int32] = []
        defer { fillers.forEach { close($0) } }
        while true {
            let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
            try #require(fd >= 0)
            fillers.append(fd)
            if fd >= Int32(HOTPLUG_SPAWN_KEPT_FLOOR) + 16 { break }
        }
        let sockets = [try Self.loopbackSocket(), try Self.loopbackSocket()]
        try #require(sockets.allSatisfy { $0.descriptor.rawValue >= Int32(HOTPLUG_SPAWN_KEPT_FLOOR) })
        // Room for the spawn's own pipes.
        fillers.suffix(8).forEach { close($0) }
        fillers.removeLast(8)
        let child = try Spawner.spawn(SpawnRequest(argv: ["/usr/bin/readlink", "/proc/self/fd/3", "/proc/self/fd/4"]),
                                      passing: sockets, names: "a:b")
        let linked = try ChildHarness.collect(child)
        #expect(linked.stdout == sockets.map { Self.link("/proc/self/fd/\($0.descriptor.rawValue)") })
        for socket in sockets {
            #expect(Self.descriptors(naming: Self.link("/proc/self/fd/\(socket.descriptor.rawValue)")) == 1)
        }
        withExtendedLifetime(running) {}
    }

    @Test("with 200 children running, chdir, exec and socket placement failures keep their stage")
    func failuresKeepTheirStage() throws {
        let running = try RunningChildren(count: Self.runningChildren)
        let chdir = try #require(throws: SpawnError.self) {
            _ = try Spawner.spawn(SpawnRequest(argv: ["/bin/true"], workingDirectory: "/nonexistent/hotplugd"))
        }
        #expect(chdir.stage == .chdir)
        #expect(chdir.errno == ENOENT)

        let sockets = [try Self.loopbackSocket()]
        let exec = try #require(throws: SpawnError.self) {
            _ = try Spawner.spawn(SpawnRequest(argv: ["/usr/bin/nope"]), passing: sockets, names: "a")
        }
        #expect(exec.stage == .exec)
        #expect(exec.errno == ENOENT)

        let tooMany = (0...HOTPLUG_SPAWN_MAX_LISTEN_FDS).map { _ in sockets[0] }
        let placing = try #require(throws: SpawnError.self) {
            _ = try Spawner.spawn(SpawnRequest(argv: ["/bin/true"]), passing: tooMany,
                                  names: tooMany.map { _ in "a" }.joined(separator: ":"))
        }
        #expect(placing.stage == .redirect)
        #expect(placing.errno == E2BIG)
        withExtendedLifetime(running) {}
    }
}
