/// How a child ended, as reported by waitid().
public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32, coreDumped: Bool)

    /// "exit 3", "signal SIGKILL", "signal SIGSEGV (core dumped)".
    public var description: String {
        switch self {
        case .exited(let code):
            return "exit \(code)"
        case .signaled(let signal, let coreDumped):
            return "signal \(SignalName.name(signal))" + (coreDumped ? " (core dumped)" : "")
        }
    }

    public var isSuccess: Bool { self == .exited(0) }
}
