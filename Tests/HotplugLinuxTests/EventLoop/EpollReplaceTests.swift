import Glibc
@testable import HotplugLinux
import Testing

/// `Epoll.replace`, which the daemon's reload uses to swap udev monitors:
/// the old descriptor stays watched until the new one is.
struct EpollReplaceTests {
    @Test func hsAReplacementThatCannotBeWatchedLeavesTheOldOneWatched() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let old = try adopt(fds[0], "pipe")
        let writeEnd = try adopt(fds[1], "pipe")
        // A regular file cannot be polled: epoll_ctl(ADD) refuses it (EPERM),
        // as it may refuse a new monitor (ENOSPC at max_user_watches, ENOMEM).
        let unwatchable = try adopt(open("/proc/self/exe", O_RDONLY | O_CLOEXEC), "open")
        let epoll = try Epoll()
        try epoll.add(old, token: 1, events: .readable)
        #expect(throws: SystemCallError.self) { try epoll.replace(old, with: unwatchable, token: 1, events: .readable) }
        #expect(write(writeEnd.rawValue, "x", 1) == 1)
        #expect(try epoll.wait(timeoutMilliseconds: 5_000).map(\.token) == [1], "the old one still wakes the loop")
    }

    @Test func hsAReplacementTakesOverTheToken() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let old = try adopt(fds[0], "pipe")
        let oldWriter = try adopt(fds[1], "pipe")
        try #require(pipe(&fds) == 0)
        let fresh = try adopt(fds[0], "pipe")
        let freshWriter = try adopt(fds[1], "pipe")
        let epoll = try Epoll()
        try epoll.add(old, token: 1, events: .readable)
        try epoll.replace(old, with: fresh, token: 1, events: .readable)
        #expect(write(oldWriter.rawValue, "x", 1) == 1)
        #expect(try epoll.wait(timeoutMilliseconds: 0).isEmpty, "the old one is no longer watched")
        #expect(write(freshWriter.rawValue, "x", 1) == 1)
        #expect(try epoll.wait(timeoutMilliseconds: 5_000).map(\.token) == [1])
    }
}
