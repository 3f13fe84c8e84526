/// How a child is stopped, as a value: `signal` to its process group, and
/// SIGKILL to the group once `timeout` has passed. The shell carries it out;
/// crash recovery keeps it with each child, so a daemon that inherits a
/// child stops it the way its binding asked even if the binding is gone.
public struct StopSequence: Sendable, Hashable, CustomStringConvertible {
    public var signal: Signal
    public var timeout: TimeSpan

    public init(signal: Signal, timeout: TimeSpan) {
        self.signal = signal
        self.timeout = timeout
    }

    /// The `[exec]` defaults.
    public static let standard = StopSequence(signal: .terminate, timeout: .seconds(5))

    public var description: String { "\(signal), SIGKILL after \(timeout)" }
}

extension ExecSettings {
    public var stopSequence: StopSequence { StopSequence(signal: stopSignal, timeout: stopTimeout) }
}
