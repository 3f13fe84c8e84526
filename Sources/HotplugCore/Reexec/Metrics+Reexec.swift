/// The counters of `hotplugd metrics` in the re-exec document (state
/// version 2 on), and back: the process is the same, so its counters go on
/// counting; a re-exec that zeroed them would read as a daemon restart to
/// Prometheus (a counter reset) and lose what `rate()` needs.
///
/// Carried: event, overflow, repair, stage-failure, restart and exit counts
/// and both histograms. Not carried: `firewallDegraded`, which is what the
/// new image finds when it takes the table over, and the clock (the shell's).
/// A histogram whose bounds are not this image's (a later version changed
/// them) starts again at zero rather than being read into the wrong buckets.
extension Metrics {
    /// Bounds the counts of one binding's tables, as the state's others are.
    static let maximumReexecEntries = 65536

    var reexecJSON: JSONValue {
        .object([
            ("events", .array(events.map(JSONValue.counter))),
            ("monitor_overflows", .counter(monitorOverflows)),
            ("firewall_repairs", .counter(firewallRepairs)),
            ("stage_failures", .array(stageFailures.map(JSONValue.counter))),
            ("restarts", .array(restarts.sorted { $0.key < $1.key }.map {
                .object([("binding", .string($0.key)), ("count", .counter($0.value))])
            })),
            ("child_exits", .array(childExits.sorted { ($0.key.binding, $0.key.reason) < ($1.key.binding, $1.key.reason) }.map {
                .object([("binding", .string($0.key.binding)), ("reason", $0.key.reason.reexecJSON), ("count", .counter($0.value))])
            })),
            ("match_latency", matchLatency.reexecJSON),
            ("spawn_latency", spawnLatency.reexecJSON),
        ])
    }

    /// The counters read back; the result has a fresh clock and event
    /// bookkeeping, which the shell sets as for a new daemon.
    init(reexec reader: ReexecReader) throws(ReexecStateError) {
        self.init()
        events = try reader.field("events").counters(exactly: EventAction.allCases.count)
        monitorOverflows = try reader.field("monitor_overflows").counter()
        firewallRepairs = try reader.field("firewall_repairs").counter()
        stageFailures = try reader.field("stage_failures").counters(exactly: Stage.allCases.count)
        for item in try reader.field("restarts").array(upTo: Self.maximumReexecEntries) {
            let binding = try item.field("binding").string()
            guard restarts.updateValue(try item.field("count").counter(), forKey: binding) == nil else {
                throw ReexecStateError("\(item.path): binding '\(binding)' counted twice")
            }
        }
        for item in try reader.field("child_exits").array(upTo: Self.maximumReexecEntries) {
            let key = ChildExitKey(binding: try item.field("binding").string(), reason: try ExitReason(reexec: try item.field("reason")))
            guard childExits.updateValue(try item.field("count").counter(), forKey: key) == nil else {
                throw ReexecStateError("\(item.path): exit reason counted twice")
            }
        }
        matchLatency = try Histogram(reexec: try reader.field("match_latency"), bounds: Histogram.matchBounds)
        spawnLatency = try Histogram(reexec: try reader.field("spawn_latency"), bounds: Histogram.spawnBounds)
    }

    /// The carried counters in place of this value's, keeping its clock;
    /// the generation moves, so the textfile is written again.
    public mutating func takeCounters(from carried: Metrics) {
        let clock = self.clock
        let generation = self.generation
        self = carried
        self.clock = clock
        self.generation = generation &+ 1
    }
}

extension Histogram {
    var reexecJSON: JSONValue {
        .object([
            ("bounds", .array(bounds.map(JSONValue.counter))),
            ("counts", .array(counts.map(JSONValue.counter))),
            ("sum_ns", .counter(sumNanoseconds)),
        ])
    }

    /// `bounds` are this image's: counts kept under other bounds are left
    /// behind (zero), the rest of the state is still taken.
    init(reexec reader: ReexecReader, bounds: [UInt64]) throws(ReexecStateError) {
        self.init(bounds: bounds)
        let written = try reader.field("bounds").counters(upTo: 1024)
        let counts = try reader.field("counts").counters(exactly: written.count + 1)
        let sum = try reader.field("sum_ns").counter()
        guard written == bounds else { return }
        self.counts = counts
        sumNanoseconds = sum
        count = counts.reduce(0, &+)
    }
}

extension ExitReason {
    /// "stopped", "success", "failure", or a signal's number.
    var reexecJSON: JSONValue {
        switch self {
        case .stopped: .string("stopped")
        case .success: .string("success")
        case .failure: .string("failure")
        case .signal(let number): .int(Int64(number))
        }
    }

    init(reexec reader: ReexecReader) throws(ReexecStateError) {
        if case .int = reader.value {
            self = .signal(Int32(try reader.int(1...64)))
            return
        }
        switch try reader.string() {
        case "stopped": self = .stopped
        case "success": self = .success
        case "failure": self = .failure
        default: throw ReexecStateError("\(reader.path) is not an exit reason")
        }
    }
}

extension ReexecReader {
    /// A counter: JSON holds Int64, so one past Int64.max was written clamped.
    func counter() throws(ReexecStateError) -> UInt64 { UInt64(try int(0...Int64.max)) }

    func counters(upTo limit: Int) throws(ReexecStateError) -> [UInt64] {
        var result: [UInt64] = []
        for item in try array(upTo: limit) { result.append(try item.counter()) }
        return result
    }

    func counters(exactly count: Int) throws(ReexecStateError) -> [UInt64] {
        let result = try counters(upTo: count)
        guard result.count == count else { throw ReexecStateError("\(path) has \(result.count) entries, not \(count)") }
        return result
    }
}

extension JSONValue {
    static func counter(_ value: UInt64) -> JSONValue { .int(Int64(clamping: value)) }
}
