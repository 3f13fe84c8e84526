import Glibc
import HotplugCore
import HotplugLinux
import Testing

@Suite("SignalName and ExitStatus")
struct SignalNameTests {
    @Test("names in any spelling map to numbers", arguments: [
        ("SIGTERM", SIGTERM), ("TERM", SIGTERM), ("term", SIGTERM), ("SigTerm", SIGTERM), (" kill ", SIGKILL),
        ("HUP", SIGHUP), ("SIGCHLD", SIGCHLD), ("CLD", SIGCHLD), ("IOT", SIGABRT), ("15", SIGTERM),
        ("USR1", SIGUSR1), ("SIGRTMIN", __libc_current_sigrtmin()), ("RTMIN+2", __libc_current_sigrtmin() + 2),
        ("SIGRTMAX-1", __libc_current_sigrtmax() - 1),
    ])
    func number(_ text: String, _ expected: Int32) {
        #expect(SignalName.number(text) == expected)
    }

    @Test("unknown names and out-of-range numbers are nil", arguments: [
        "", "SIG", "TERMINATE", "0", "-9", "99", "RTMIN+999", "RTMIN+", "RTMAX+1", "SIGTERM;",
    ])
    func unknown(_ text: String) {
        #expect(SignalName.number(text) == nil)
    }

    @Test("numbers map back to canonical names")
    func names() {
        #expect(SignalName.name(SIGKILL) == "SIGKILL")
        #expect(SignalName.name(SIGTERM) == "SIGTERM")
        #expect(SignalName.name(__libc_current_sigrtmin() + 3) == "SIGRTMIN+3")
        #expect(SignalName.name(200) == "SIG200")
        for number in Int32(1)...31 {
            #expect(SignalName.number(SignalName.name(number)) == number)
        }
    }

    @Test("the core's signal table agrees with libc's constants")
    func coreTableMatchesLibc() {
        let libc: [String: Int32] = ["SIGHUP": SIGHUP, "SIGINT": SIGINT, "SIGKILL": SIGKILL, "SIGUSR1": SIGUSR1,
                                     "SIGUSR2": SIGUSR2, "SIGTERM": SIGTERM, "SIGCHLD": SIGCHLD, "SIGSTOP": SIGSTOP,
                                     "SIGCONT": SIGCONT, "SIGPWR": SIGPWR, "SIGSYS": SIGSYS, "SIGIO": SIGIO]
        for (name, number) in libc {
            #expect(HotplugCore.Signal.standard.first { $0.name == name }?.number == number, "\(name)")
        }
    }

    @Test("exit status descriptions")
    func exitStatusDescriptions() {
        #expect(HotplugLinux.ExitStatus.exited(3).description == "exit 3")
        #expect(HotplugLinux.ExitStatus.signaled(SIGKILL, coreDumped: false).description == "signal SIGKILL")
        #expect(HotplugLinux.ExitStatus.signaled(SIGSEGV, coreDumped: true).description == "signal SIGSEGV (core dumped)")
    }
}
