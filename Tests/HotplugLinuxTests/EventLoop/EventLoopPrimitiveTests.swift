import Glibc
import HotplugLinux
import Testing

@Suite("Event loop primitives")
struct EventLoopPrimitiveTests {
    @Test("signalfd receives a SIGUSR1 sent to this thread")
    func signalFDReceivesSignal() throws {
        // Blocks SIGUSR1 in this thread. The signal is raised at this thread
        // (not the whole process) because other test threads do not block it
        // and its default action would end the test run.
        let signals = try SignalFD(signals: [SIGUSR1])
        let epoll = try Epoll()
        try epoll.add(signals, token: 7, events: .readable)
        #expect(try signals.read() == [])

        try #require(pthread_kill(pthread_self(), SIGUSR1) == 0)
        let ready = try epoll.wait(timeoutMilliseconds: 20_000)
        #expect(ready.map(\.token) == [7])
        #expect(try signals.read() == [SIGUSR1])
        #expect(try signals.read() == [])
        #expect(try epoll.wait(timeoutMilliseconds: 0).isEmpty)
    }

    @Test("timerfd fires at an absolute monotonic deadline and is acknowledged")
    func timerFires() throws {
        let timer = try TimerFD()
        let epoll = try Epoll()
        try epoll.add(timer, token: 1, events: .readable)

        let start = MonotonicClock.now()
        let deadline = start + 20_000_000 // 20 ms
        try timer.arm(deadlineNanoseconds: deadline)
        let ready = try epoll.wait(timeoutMilliseconds: 20_000)
        #expect(ready.map(\.token) == [1])
        #expect(MonotonicClock.now() >= deadline)
        #expect(try timer.acknowledge() == 1)
        #expect(try timer.acknowledge() == 0)
        #expect(try epoll.wait(timeoutMilliseconds: 0).isEmpty)
    }

    @Test("a deadline in the past fires at once; disarm cancels")
    func pastDeadlineAndDisarm() throws {
        let timer = try TimerFD()
        let epoll = try Epoll()
        try epoll.add(timer, token: 1, events: .readable)

        try timer.arm(deadlineNanoseconds: 0)
        #expect(try epoll.wait(timeoutMilliseconds: 20_000).map(\.token) == [1])
        try timer.acknowledge()

        try timer.arm(deadlineNanoseconds: MonotonicClock.now() + 50_000_000)
        try timer.disarm()
        #expect(try epoll.wait(timeoutMilliseconds: 150).isEmpty)
        #expect(try timer.acknowledge() == 0)
    }

    @Test("epoll add, modify and remove use the caller's token")
    func epollRegistration() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let readEnd = try adopt(fds[0], "pipe")
        let writeEnd = try adopt(fds[1], "pipe")
        let epoll = try Epoll()
        try epoll.add(writeEnd, token: 0xDEAD_BEEF_0000_0001, events: .writable)
        let ready = try epoll.wait(timeoutMilliseconds: 0)
        #expect(ready.count == 1)
        #expect(ready.first?.token == 0xDEAD_BEEF_0000_0001)
        #expect(ready.first.map { EpollEvents(rawValue: $0.events).contains(.writable) } == true)

        try epoll.modify(writeEnd, token: 2, events: .readable)
        #expect(try epoll.wait(timeoutMilliseconds: 0).isEmpty)
        try epoll.remove(writeEnd)
        #expect(throws: SystemCallError.self) { try epoll.remove(writeEnd) }
        readEnd.close()
    }

    @Test("failures name the call, the descriptor and the errno text")
    func systemCallErrors() throws {
        let epoll = try Epoll()
        // An owner of a number that is not open: what a bug would leave behind.
        let notOpen = try adopt(999_999, "nothing")
        let error = try #require(throws: SystemCallError.self) {
            try epoll.add(notOpen, token: 1, events: .readable)
        }
        #expect(error.errno == EBADF)
        #expect(error.description == "epoll_ctl(ADD fd 999999): Bad file descriptor")
    }

    @Test("the monotonic clock never goes backwards")
    func monotonicClock() {
        let first = MonotonicClock.now()
        let second = MonotonicClock.now()
        #expect(first > 0)
        #expect(second >= first)
    }
}
