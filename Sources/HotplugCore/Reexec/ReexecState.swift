/// What a running daemon hands to the new image of itself on
/// `hotplugd reexec`: the supervisor's state and what the shell holds for it
/// (each descriptor by the number it keeps across execve()), as one JSON
/// document in a sealed memfd.
///
/// Versioned: a new image reads only the versions in `acceptedVersions` and
/// refuses anything else, or anything malformed, whole; it then starts clean
/// (stops the children and starts them again), never half-restored. The old
/// image asks the new binary which versions it reads before it execs
/// (`hotplugd reexec-probe`), so a refusal is rare.
///
/// An attachment (a binding on a device) is written under the key
/// `instance`, and the supervisor's attachments under `instances`: the
/// names of version 1, from before the word meant only a worker, kept so
/// that each image reads what the other writes.
public struct ReexecState: Sendable {
    public static let format = "hotplugd-reexec-state"
    /// 2: the counters of `hotplugd metrics` (`supervisor.metrics`) and each
    /// child's output line begun in the old image are carried. A version 1
    /// state is still read; its counters start at zero.
    public static let version: Int64 = 2
    public static let acceptedVersions: ClosedRange<Int64> = 1...2
    /// Root reads this; a state past this size is not one of ours.
    public static let maximumBytes = 64 << 20

    public var supervisor: Supervisor
    /// Wall-clock nanoseconds since the epoch: when the daemon first
    /// started (kept across re-execs) and when it last re-executed.
    public var startedAtUnixNanoseconds: Int64
    public var lastReexecUnixNanoseconds: Int64?
    public var reexecs: Int
    /// When the old image stopped serving (monotonic): the new one reports
    /// the gap from there to its first answer.
    public var beganAt: Instant
    public var children: [Child]
    public var sockets: [Sockets]
    public var firewall: [FirewallEntry]
    /// Whether the firewall table in the kernel is what the entries say.
    public var firewallWritten: Bool
    public var controlDescriptor: Int32?
    /// The flock on the firewall table's claim (`FirewallTableLock`): a lock
    /// belongs to the open file, so the very descriptor crosses the exec
    /// and no other daemon can take the table in the gap.
    public var firewallLockDescriptor: Int32?

    public struct Child: Sendable, Equatable {
        public var pid: ProcessID
        public var attachment: AttachmentID
        public var worker: Int
        public var interface: String?
        public var startTick: UInt64?
        public var pidfd: Int32?
        public var standardOutput: Int32?
        public var standardError: Int32?
        /// How it is stopped: the sequence it was started with.
        public var stop: StopSequence
        /// The line of its stdout and of its stderr begun and not yet ended
        /// (version 2 on): the new image goes on with it.
        public var partialOutput: PartialLine?
        public var partialError: PartialLine?

        public init(pid: ProcessID, attachment: AttachmentID, worker: Int, interface: String?, startTick: UInt64?,
                    pidfd: Int32?, standardOutput: Int32?, standardError: Int32?, stop: StopSequence,
                    partialOutput: PartialLine? = nil, partialError: PartialLine? = nil) {
            self.stop = stop
            self.partialOutput = partialOutput
            self.partialError = partialError
            self.pid = pid
            self.attachment = attachment
            self.worker = worker
            self.interface = interface
            self.startTick = startTick
            self.pidfd = pidfd
            self.standardOutput = standardOutput
            self.standardError = standardError
        }
    }

    /// One attachment's `[listen]` sockets, each by descriptor, in the order of
    /// the binding's `[listen]` entries.
    public struct Sockets: Sendable, Equatable {
        public var attachment: AttachmentID
        public var request: SocketRequest
        public var shared: [Int32]
        public var perWorker: [[Int32]?]
        /// reuseport: the set held for the next worker while every worker restarts.
        public var kept: [Int32]?

        public init(attachment: AttachmentID, request: SocketRequest, shared: [Int32], perWorker: [[Int32]?], kept: [Int32]? = nil) {
            self.kept = kept
            self.attachment = attachment
            self.request = request
            self.shared = shared
            self.perWorker = perWorker
        }
    }

    public struct FirewallEntry: Sendable, Equatable {
        public var attachment: AttachmentID
        public var ifindex: Int32

        public init(attachment: AttachmentID, ifindex: Int32) {
            self.attachment = attachment
            self.ifindex = ifindex
        }
    }

    public init(supervisor: Supervisor, startedAtUnixNanoseconds: Int64, lastReexecUnixNanoseconds: Int64?, reexecs: Int, beganAt: Instant,
                children: [Child], sockets: [Sockets], firewall: [FirewallEntry], firewallWritten: Bool, controlDescriptor: Int32?,
                firewallLockDescriptor: Int32? = nil) {
        self.firewallLockDescriptor = firewallLockDescriptor
        self.supervisor = supervisor
        self.startedAtUnixNanoseconds = startedAtUnixNanoseconds
        self.lastReexecUnixNanoseconds = lastReexecUnixNanoseconds
        self.reexecs = reexecs
        self.beganAt = beganAt
        self.children = children
        self.sockets = sockets
        self.firewall = firewall
        self.firewallWritten = firewallWritten
        self.controlDescriptor = controlDescriptor
    }

    /// Every descriptor the new image must take over.
    public var descriptors: [Int32] {
        var all: [Int32] = [controlDescriptor, firewallLockDescriptor].compactMap { $0 }
        for child in children { all += [child.pidfd, child.standardOutput, child.standardError].compactMap { $0 } }
        for entry in sockets { all += entry.shared + entry.perWorker.flatMap { $0 ?? [] } + (entry.kept ?? []) }
        return all
    }

    public func serialized() -> String {
        JSONValue.object([
            ("format", .string(Self.format)), ("version", .int(Self.version)),
            ("started_at_unix_ns", .int(startedAtUnixNanoseconds)),
            ("last_reexec_unix_ns", .optionalInt(lastReexecUnixNanoseconds)), ("reexecs", .int(Int64(reexecs))),
            ("began_at", .instant(beganAt)),
            ("supervisor", supervisor.reexecJSON),
            ("metrics", supervisor.metrics.reexecJSON),
            ("children", .array(children.map(\.reexecJSON))),
            ("sockets", .array(sockets.map(\.reexecJSON))),
            ("firewall", .array(firewall.map { .object([("instance", $0.attachment.reexecJSON), ("ifindex", .int(Int64($0.ifindex)))]) })),
            ("firewall_written", .bool(firewallWritten)),
            ("control", .optionalInt(controlDescriptor)),
            ("firewall_lock", .optionalInt(firewallLockDescriptor)),
        ]).serialized()
    }

    /// Reads only what this image understands, checked against the
    /// configuration it loaded; see `ReexecStateError` for what is refused.
    public init(parsing text: String, configuration: Configuration) throws(ReexecStateError) {
        guard text.utf8.count <= Self.maximumBytes else { throw ReexecStateError("the state is larger than \(Self.maximumBytes) bytes") }
        guard let document = JSONValue(parsing: text) else { throw ReexecStateError("the state is not a JSON document (truncated?)") }
        let reader = ReexecReader(document)
        guard (try? reader.field("format").string()) == Self.format else { throw ReexecStateError("not a hotplugd re-exec state") }
        let version = try reader.field("version").int(Int64.min...Int64.max)
        guard Self.acceptedVersions.contains(version) else {
            throw ReexecStateError("state format version \(version) is not one this image reads (\(Self.acceptedVersions.lowerBound)...\(Self.acceptedVersions.upperBound))")
        }
        startedAtUnixNanoseconds = try reader.field("started_at_unix_ns").int(0...Int64.max)
        lastReexecUnixNanoseconds = try reader.optional("last_reexec_unix_ns")?.int(0...Int64.max)
        reexecs = try reader.field("reexecs").count(upTo: Int(Int32.max))
        beganAt = try reader.field("began_at").instant()
        supervisor = try Supervisor(reexec: try reader.field("supervisor"), configuration: configuration)
        if version >= 2 { supervisor.metrics = try Metrics(reexec: try reader.field("metrics")) }
        children = []
        for item in try reader.field("children").array(upTo: Supervisor.maximumDevices * 16) {
            children.append(try Child(reexec: item, version: version))
        }
        sockets = []
        for item in try reader.field("sockets").array(upTo: Supervisor.maximumDevices * 16) { sockets.append(try Sockets(reexec: item, listen: { configuration.binding(named: $0.binding)?.listen })) }
        firewall = []
        for item in try reader.field("firewall").array(upTo: Supervisor.maximumDevices * 16) {
            firewall.append(FirewallEntry(attachment: try AttachmentID(reexec: try item.field("instance")),
                                          ifindex: Int32(try item.field("ifindex").int(1...Int64(Int32.max)))))
        }
        firewallWritten = try reader.field("firewall_written").bool()
        controlDescriptor = try reader.optional("control")?.descriptor()
        firewallLockDescriptor = try reader.optional("firewall_lock")?.descriptor()
        try check()
    }

    /// What the parts say of each other: the children are exactly those the
    /// supervisor runs, each descriptor is handed over once, sockets and
    /// rules belong to attachments that have those stages set up.
    private func check() throws(ReexecStateError) {
        let expected = supervisor.reexecChildren.map { "\($0.id)/\($0.worker)/\($0.pid)" }.sorted()
        let handed = children.map { "\($0.attachment)/\($0.worker)/\($0.pid)" }.sorted()
        guard expected == handed else { throw ReexecStateError("the children handed over are not those the supervisor runs") }
        let all = descriptors
        guard Set(all).count == all.count else { throw ReexecStateError("a descriptor is handed over twice") }
        for entry in sockets {
            guard supervisor.attachments[entry.attachment]?.setUp.contains(.sockets) == true else {
                throw ReexecStateError("sockets for \(entry.attachment), which has no sockets stage set up")
            }
        }
        for entry in firewall {
            guard supervisor.attachments[entry.attachment]?.setUp.contains(.firewall) == true else {
                throw ReexecStateError("firewall rules for \(entry.attachment), which has no firewall stage set up")
            }
        }
    }
}

extension ReexecState.Child {
    var reexecJSON: JSONValue {
        .object([
            ("pid", .int(Int64(pid.rawValue))), ("instance", attachment.reexecJSON), ("worker", .int(Int64(worker))),
            ("interface", .optional(interface)), ("start_tick", .optionalInt(startTick.map { Int64(clamping: $0) })),
            ("pidfd", .optionalInt(pidfd)), ("stdout", .optionalInt(standardOutput)), ("stderr", .optionalInt(standardError)),
            ("stop", stop.reexecJSON),
            ("stdout_partial", partialOutput?.reexecJSON ?? .null), ("stderr_partial", partialError?.reexecJSON ?? .null),
        ])
    }

    init(reexec reader: ReexecReader, version: Int64) throws(ReexecStateError) {
        self.init(pid: try reader.field("pid").pid(), attachment: try AttachmentID(reexec: try reader.field("instance")),
                  worker: try reader.field("worker").count(upTo: 4096), interface: try reader.optional("interface")?.string(),
                  startTick: try reader.optional("start_tick").map { item throws(ReexecStateError) in UInt64(try item.int(0...Int64.max)) },
                  pidfd: try reader.optional("pidfd")?.descriptor(), standardOutput: try reader.optional("stdout")?.descriptor(),
                  standardError: try reader.optional("stderr")?.descriptor(), stop: try StopSequence(reexec: try reader.field("stop")))
        if version >= 2 {
            partialOutput = try reader.optional("stdout_partial").map { item throws(ReexecStateError) in try PartialLine(reexec: item) }
            partialError = try reader.optional("stderr_partial").map { item throws(ReexecStateError) in try PartialLine(reexec: item) }
        }
    }
}

extension ReexecState.Sockets {
    var reexecJSON: JSONValue {
        .object([
            ("instance", attachment.reexecJSON), ("interface", .optional(request.interface)),
            ("ifindex", .optionalInt(request.ifindex)), ("workers", .int(Int64(request.workers))),
            ("shared", .array(shared.map { .int(Int64($0)) })),
            ("per_worker", .array(perWorker.map { set in set.map { .array($0.map { .int(Int64($0)) }) } ?? .null })),
            ("kept", kept.map { .array($0.map { .int(Int64($0)) }) } ?? .null),
        ])
    }

    /// The `[listen]` settings are the binding's: a reload that changes
    /// them sets the sockets up again, so the ones open always match it.
    init(reexec reader: ReexecReader, listen: (AttachmentID) -> ListenSettings?) throws(ReexecStateError) {
        let attachment = try AttachmentID(reexec: try reader.field("instance"))
        guard let settings = listen(attachment) else { throw ReexecStateError("\(reader.path): the binding has no [listen]") }
        func descriptors(_ item: ReexecReader) throws(ReexecStateError) -> [Int32] {
            var result: [Int32] = []
            for entry in try item.array(upTo: 1024) { result.append(try entry.descriptor()) }
            guard result.count == settings.sockets.count else { throw ReexecStateError("\(item.path): not one descriptor per [listen] socket") }
            return result
        }
        let mode = settings.mode
        let shared = mode == .shared ? try descriptors(try reader.field("shared")) : []
        var perWorker: [[Int32]?] = []
        for item in try reader.field("per_worker").array(upTo: 4096) {
            perWorker.append(item.value == .null ? nil : try descriptors(item))
        }
        let kept = try reader.optional("kept").map { item throws(ReexecStateError) in try descriptors(item) }
        guard mode == .reuseport || (perWorker.isEmpty && kept == nil) else { throw ReexecStateError("\(reader.path): per-worker sockets in shared mode") }
        self.init(attachment: attachment,
                  request: SocketRequest(listen: settings, interface: try reader.optional("interface")?.string(),
                                         ifindex: try reader.optional("ifindex").map { item throws(ReexecStateError) in Int32(try item.int(1...Int64(Int32.max))) },
                                         workers: try reader.field("workers").count(upTo: 4096)),
                  shared: shared, perWorker: perWorker, kept: kept)
    }
}
