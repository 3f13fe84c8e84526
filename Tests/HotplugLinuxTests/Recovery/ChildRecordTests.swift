import Glibc
import HotplugCore
import Testing
@testable import HotplugLinux

@Suite struct ChildRecordTests {
    static let sample = ChildRecord(
        daemonKey: "0123456789abcdef", daemon: ProcessIdentity(pid: 812, startTime: 4411),
        child: ProcessIdentity(pid: 4242, startTime: 5120),
        stop: StopSequence(signal: Signal(number: SIGUSR1), timeout: .milliseconds(1500)),
        binding: "gamelink", devpath: "/devices/odd name\nwith a newline")

    @Test func readsBackWhatItWrites() {
        #expect(ChildRecord(parsing: Self.sample.text) == Self.sample)
    }

    /// A record cut off anywhere keeps its complete lines and nothing of a
    /// line cut short, which could read as another number (issue 21, item 10).
    @Test func ltFragmentKeepsOnlyCompleteLines() throws {
        let text = Self.sample.text
        for length in 0..<text.utf8.count {
            let cut = String(decoding: text.utf8.prefix(length), as: UTF8.self)
            let fragment = try #require(ChildRecordFragment(parsing: cut), "cut at \(length)")
            let complete = cut.split(separator: "\n", omittingEmptySubsequences: false).dropLast().count
            #expect(fragment.daemonKey == (complete >= 2 ? Self.sample.daemonKey : nil))
            #expect(fragment.child == (complete >= 4 ? Self.sample.child : nil), "cut at \(length)")
            #expect(fragment.stop == (complete >= 5 ? Self.sample.stop : nil))
        }
        #expect(ChildRecordFragment(parsing: "4411 gamelink\n") == nil, "not the start of a record")
        #expect(ChildRecordFragment(parsing: "hotplugd-child 1\nchild 5 1\n") == nil)
    }

    @Test(arguments: [
        "",
        "4411 gamelink\n/devices/x\n",                                  // the old format
        "hotplugd-child 2\ninstance a\ndaemon 1 1\nchild 5 1\nstop 15 0\nbinding b\ndevpath /x\n",
        "hotplugd-child 1\ninstance a\ndaemon 1 1\nchild 5 1\nstop 15 0\nbinding b\ndevpath /x",   // cut short
        "hotplugd-child 1\ninstance a\ndaemon 1 1\nchild 1 1\nstop 15 0\nbinding b\ndevpath /x\n",  // pid 1
        "hotplugd-child 1\ninstance a\ndaemon 1 1\nchild 5 1\nstop 99 0\nbinding b\ndevpath /x\n",  // no such signal
        "hotplugd-child 1\ninstance a\ndaemon 1 1\nchild 5 1\nstop 15 -1\nbinding b\ndevpath /x\n",
        "hotplugd-child 1\ninstance a\ndaemon 1 1\nchild 5 1\nstop 15 0\nbinding \ndevpath /x\n",
        "hotplugd-child 1\ninstance a\nchild 5 1\ndaemon 1 1\nstop 15 0\nbinding b\ndevpath /x\n", // fields swapped
    ])
    func refusesAnythingElse(_ text: String) {
        #expect(ChildRecord(parsing: text) == nil)
    }
}

@Suite struct DaemonInstanceTests {
    @Test func oneSocketIsOneInstanceHoweverItIsSpelt() throws {
        let directory = try ChildHarness.makeTemporaryDirectory()
        defer { ChildHarness.removeTree(directory) }
        let absolute = DaemonIdentity(socketPath: directory + "/control.sock", configPath: "/etc/hotplugd")
        let spelt = DaemonIdentity(socketPath: directory + "//./sub/../control.sock", configPath: "/etc/hotplugd")
        #expect(absolute == spelt)
        #expect(absolute.key.count == 16)
        #expect(absolute.name == "socket " + directory + "/control.sock")
    }

    @Test func relativeSocketIsResolvedAgainstTheWorkingDirectory() throws {
        let directory = try ChildHarness.makeTemporaryDirectory()
        defer { ChildHarness.removeTree(directory) }
        var saved = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        #expect(getcwd(&saved, saved.count) != nil)
        #expect(chdir(directory) == 0)
        defer { _ = chdir(saved) }
        let relative = DaemonIdentity(socketPath: "control.sock", configPath: "/etc/hotplugd")
        #expect(relative == DaemonIdentity(socketPath: directory + "/control.sock", configPath: "/etc/hotplugd"))
        #expect(relative != DaemonIdentity(socketPath: "/run/hotplugd/control.sock", configPath: "/etc/hotplugd"),
                "a relative --socket is not the system daemon")
    }

    @Test func otherSocketOtherInstanceWhateverTheConfig() {
        let system = DaemonIdentity(socketPath: "/run/hotplugd/control.sock", configPath: "/etc/hotplugd")
        #expect(system != DaemonIdentity(socketPath: "/run/hotplugd/other.sock", configPath: "/etc/hotplugd"))
        // Restarted on the same socket with another config, it must still
        // stop what its predecessor left.
        #expect(system == DaemonIdentity(socketPath: "/run/hotplugd/control.sock", configPath: "/srv/bindings"))
    }

    @Test func locationsFollowTheUser() {
        #expect(RecordLocation.defaults(euid: 0, runtimeDirectory: "/run/user/0").map(\.path) == ["/run/hotplugd"])
        #expect(RecordLocation.defaults(euid: 1000, runtimeDirectory: "/run/user/1000").map(\.path)
                == ["/run/user/1000/hotplugd", "/tmp/hotplugd-1000"])
        #expect(RecordLocation.defaults(euid: 1000, runtimeDirectory: "relative").map(\.path)
                == ["/run/user/1000/hotplugd", "/tmp/hotplugd-1000"])
        #expect(RecordLocation.defaults(euid: 1000, runtimeDirectory: nil).allSatisfy { $0.mode == 0o700 })
    }
}
