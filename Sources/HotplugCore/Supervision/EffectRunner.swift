/// Feeds an event to a `Supervisor` and hands out its effects one at a
/// time; the answer to each (a stage's setup result) goes back in as the
/// next event, until nothing is left. The daemon and the tests' fake shell
/// both drive the core through this one loop, so they cannot differ in
/// the order effects are carried out and answers handled.
///
///     var runner = EffectRunner(event)
///     while let effect = runner.next(&supervisor, now: clock) {
///         runner.answer(shell.perform(effect))
///     }
///
/// The supervisor is borrowed only inside `next`, so the code carrying
/// out an effect may read it.
///
/// An event is handled at the instant it happened when one is given (a
/// device event's arrival, the moment the shell finished a setup), else at
/// `now()` when its turn comes: the metrics' latencies end where the work
/// did, not where the core got round to the answer.
public struct EffectRunner {
    private var events: [(event: Supervisor.Event, at: Instant?)]
    private var nextEvent = 0
    private var effects: [Effect] = []
    private var nextEffect = 0

    public init(_ event: Supervisor.Event, at instant: Instant? = nil) {
        events = [(event, instant)]
    }

    /// The next effect to carry out; nil once every event is handled.
    public mutating func next(_ supervisor: inout Supervisor, now: () -> Instant) -> Effect? {
        while nextEffect == effects.count {
            guard nextEvent < events.count else { return nil }
            let (event, instant) = events[nextEvent]
            nextEvent += 1
            effects = supervisor.handle(event, now: instant ?? now())
            nextEffect = 0
        }
        let effect = effects[nextEffect]
        nextEffect += 1
        return effect
    }

    /// The shell's answer to the effect `next` returned last, if it has
    /// one, and when it was ready.
    public mutating func answer(_ event: Supervisor.Event?, at instant: Instant? = nil) {
        if let event { events.append((event, instant)) }
    }
}
