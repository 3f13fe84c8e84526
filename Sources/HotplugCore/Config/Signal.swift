/// A Linux signal by its number. The table is the generic Linux one
/// (x86, arm, riscv); the core keeps it so config validation needs no libc.
public struct Signal: Sendable, Hashable, CustomStringConvertible {
    public let number: Int32

    public init(number: Int32) { self.number = number }

    public static let hangup = Signal(number: 1)
    public static let interrupt = Signal(number: 2)
    public static let kill = Signal(number: 9)
    public static let terminate = Signal(number: 15)
    /// Harmless to a running process; sent to what is left of a stopped
    /// child's group to learn whether anything is left (see `.leftoversGone`).
    public static let `continue` = Signal(number: 18)

    /// The standard signals, for every layer: config validation here, log
    /// text in the shell (whose tests check it against libc's constants).
    public static let standard: [(name: String, number: Int32)] = [
        ("SIGHUP", 1), ("SIGINT", 2), ("SIGQUIT", 3), ("SIGILL", 4), ("SIGTRAP", 5), ("SIGABRT", 6),
        ("SIGBUS", 7), ("SIGFPE", 8), ("SIGKILL", 9), ("SIGUSR1", 10), ("SIGSEGV", 11), ("SIGUSR2", 12),
        ("SIGPIPE", 13), ("SIGALRM", 14), ("SIGTERM", 15), ("SIGSTKFLT", 16), ("SIGCHLD", 17),
        ("SIGCONT", 18), ("SIGSTOP", 19), ("SIGTSTP", 20), ("SIGTTIN", 21), ("SIGTTOU", 22),
        ("SIGURG", 23), ("SIGXCPU", 24), ("SIGXFSZ", 25), ("SIGVTALRM", 26), ("SIGPROF", 27),
        ("SIGWINCH", 28), ("SIGIO", 29), ("SIGPWR", 30), ("SIGSYS", 31),
    ]

    /// Accepts `SIGTERM`, `TERM`, `term` and `15`.
    public init?(named text: String) {
        let upper = text.uppercased()
        let full = upper.hasPrefix("SIG") ? upper : "SIG" + upper
        if let entry = Self.standard.first(where: { $0.name == full }) {
            number = entry.number
        } else if let value = Int32(text), Self.standard.contains(where: { $0.number == value }) {
            number = value
        } else {
            return nil
        }
    }

    public var name: String {
        Self.standard.first { $0.number == number }?.name ?? "signal \(number)"
    }

    public var description: String { name }
}
