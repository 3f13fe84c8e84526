/// The supervisor's whole state in the re-exec document, and back: the same
/// devices, attachments, workers, restart counts, backoff deadlines and stage
/// outcomes. Instants are CLOCK_MONOTONIC, which an exec does not reset, so
/// every deadline keeps its meaning in the new image.
///
/// The counters of `hotplugd metrics` are a part of the state of their own
/// (`Metrics+Reexec`), beside this one.
extension Supervisor {
    static let maximumDevices = 65536

    var reexecJSON: JSONValue {
        .object([
            ("now", .instant(now)),
            ("next_device", .int(Int64(clamping: nextDeviceNumber))),
            ("devices", .array(devices.values.sorted { $0.id < $1.id }.map(\.reexecJSON))),
            ("instances", .array(attachments.values.sorted { $0.id < $1.id }.map(\.reexecJSON))),
        ])
    }

    /// Whether a state can be written now: a setup the shell has not yet
    /// answered, or a shutdown under way, cannot be carried over.
    public var reexecRefusal: String? {
        if isShuttingDown { return "the daemon is shutting down" }
        for attachment in attachments.values {
            if case .settingUp = attachment.state { return "a stage setup is in flight" }
            if attachment.workers.contains(where: { $0.state == .starting }) {
                return "a child is being started"
            }
        }
        return nil
    }

    /// The state read back against the configuration the new image loaded:
    /// an attachment of a binding it does not have, or with stages its binding
    /// does not plan, is refused, since the new image could not tear it down
    /// as it was set up.
    init(reexec reader: ReexecReader, configuration: Configuration) throws(ReexecStateError) {
        self.init(configuration: configuration)
        now = try reader.field("now").instant()
        nextDeviceNumber = UInt64(try reader.field("next_device").int(1...Int64.max))
        for item in try reader.field("devices").array(upTo: Self.maximumDevices) {
            let device = try TrackedDevice(reexec: item)
            guard device.id.value < nextDeviceNumber, devices[device.id] == nil else {
                throw ReexecStateError("\(item.path): device number \(device.id.value) is repeated or not yet handed out")
            }
            devices[device.id] = device
            if !device.isGone {
                guard identities.insert(device.facts.identity, for: device.id) else {
                    throw ReexecStateError("\(item.path): devpath and ifindex tracked twice")
                }
            }
        }
        for item in try reader.field("instances").array(upTo: Self.maximumDevices * 16) {
            let attachment = try Attachment(reexec: item)
            guard attachments[attachment.id] == nil else { throw ReexecStateError("\(item.path): attachment repeated") }
            guard let device = devices[attachment.id.device] else { throw ReexecStateError("\(item.path): no such device") }
            guard let binding = configuration.binding(named: attachment.id.binding) else {
                throw ReexecStateError("\(item.path): the configuration has no binding '\(attachment.id.binding)'")
            }
            let plan = Stage.plan(for: binding, ownsLink: device.linkOwner == binding.name)
            guard attachment.setUp.allSatisfy(plan.contains) else {
                throw ReexecStateError("\(item.path): stages set up that binding '\(binding.name)' does not have")
            }
            guard attachment.workers.isEmpty || attachment.workers.count == binding.exec?.instances else {
                throw ReexecStateError("\(item.path): \(attachment.workers.count) workers where '\(binding.name)' has \(binding.exec?.instances ?? 0)")
            }
            attachments[attachment.id] = attachment
        }
        guard reexecRefusal == nil else { throw ReexecStateError("the state has a setup in flight") }
    }

    /// Every child the state says runs, with its worker: the shell must hand
    /// over exactly these.
    public var reexecChildren: [(id: AttachmentID, worker: Int, pid: ProcessID)] {
        var result: [(AttachmentID, Int, ProcessID)] = []
        for attachment in attachments.values.sorted(by: { $0.id < $1.id }) {
            for (index, worker) in attachment.workers.enumerated() {
                if let pid = worker.state.childPID { result.append((attachment.id, index, pid)) }
            }
        }
        return result
    }
}

extension TrackedDevice {
    var reexecJSON: JSONValue {
        let link: JSONValue = switch self.link {
        case .notStarted: .string("not-started")
        case .pending: .string("pending")
        case .done: .string("done")
        case .failed(let reason): .object([("failed", .string(reason))])
        }
        return .object([
            ("id", .int(Int64(clamping: id.value))), ("facts", facts.reexecJSON), ("interface", .optional(interface)),
            ("link_owner", .optional(linkOwner)), ("link", link), ("gone", .bool(isGone)),
        ])
    }

    init(reexec reader: ReexecReader) throws(ReexecStateError) {
        let link: LinkProgress
        let field = try reader.field("link")
        if case .string(let word) = field.value {
            switch word {
            case "not-started": link = .notStarted
            case "pending": link = .pending
            case "done": link = .done
            default: throw ReexecStateError("\(field.path) is not a link progress")
            }
        } else {
            link = .failed(try field.field("failed").string())
        }
        self.init(id: DeviceID(UInt64(try reader.field("id").int(1...Int64.max))),
                  facts: try DeviceFacts(reexec: try reader.field("facts")),
                  interface: try reader.optional("interface")?.string(), linkOwner: try reader.optional("link_owner")?.string(),
                  link: link, isGone: try reader.field("gone").bool())
    }
}

extension AttachmentID {
    var reexecJSON: JSONValue { .object([("binding", .string(binding)), ("device", .int(Int64(clamping: device.value)))]) }

    init(reexec reader: ReexecReader) throws(ReexecStateError) {
        self.init(binding: try reader.field("binding").string(), device: DeviceID(UInt64(try reader.field("device").int(1...Int64.max))))
    }
}

extension Attachment {
    var reexecJSON: JSONValue {
        let teardown: JSONValue = self.teardown.map {
            .object([("down_to", .int(Int64($0.downTo.code))), ("then", .string($0.then == .forget ? "forget" : "set-up-again"))])
        } ?? .null
        return .object([
            ("id", id.reexecJSON), ("state", state.reexecJSON), ("since", .instant(since)),
            ("set_up", .array(setUp.map { .int(Int64($0.code)) })), ("teardown", teardown),
            ("workers", .array(workers.map(\.reexecJSON))), ("rolling_restart", .optionalInt(rollingRestart)),
        ])
    }

    init(reexec reader: ReexecReader) throws(ReexecStateError) {
        self.init(id: try AttachmentID(reexec: try reader.field("id")), state: try AttachmentPhase(reexec: try reader.field("state")),
                  since: try reader.field("since").instant())
        for item in try reader.field("set_up").array(upTo: Stage.allCases.count) {
            let stage = try item.stage()
            guard !setUp.contains(stage) else { throw ReexecStateError("\(item.path): stage repeated") }
            setUp.append(stage)
        }
        if let item = try reader.optional("teardown") {
            let then: AfterTeardown = switch try item.field("then").string() {
            case "forget": .forget
            case "set-up-again": .setUpAgain
            default: throw ReexecStateError("\(item.path).then is not known")
            }
            teardown = Teardown(downTo: try item.field("down_to").stage(), then: then)
        }
        for item in try reader.field("workers").array(upTo: 4096) { workers.append(try Worker(reexec: item)) }
        rollingRestart = try reader.optional("rolling_restart").map { item throws(ReexecStateError) in try item.count(upTo: 4096) }
    }
}

extension Worker {
    var reexecJSON: JSONValue {
        let exit: JSONValue = switch lastExit {
        case .none: .null
        case .exited(let code): .object([("exited", .int(Int64(code)))])
        case .signaled(let number): .object([("signaled", .int(Int64(number)))])
        }
        return .object([
            ("state", state.reexecJSON), ("since", .instant(since)), ("restarts", .int(Int64(restarts))),
            ("consecutive_failures", .int(Int64(consecutiveFailures))), ("last_exit", exit),
            ("last_exit_requested", .bool(lastExitWasRequested)), ("last_pid", .optionalInt(lastPID?.rawValue)),
            ("started_at", .optionalInstant(startedAt)), ("respawn_after_stop", .bool(respawnAfterStop)),
            ("leftover_group", .optionalInt(leftoverGroup?.rawValue)), ("stopping_leftovers", .bool(state.isStoppingLeftovers)),
            ("probe_at", .optionalInstant(state.probeAt)), ("stop", stop.reexecJSON),
        ])
    }

    init(reexec reader: ReexecReader) throws(ReexecStateError) {
        self.init(state: try WorkerState(reexec: try reader.field("state"), stoppingLeftovers: try reader.field("stopping_leftovers").bool(),
                                         probeAt: try reader.optional("probe_at")?.instant()),
                  since: try reader.field("since").instant())
        restarts = try reader.field("restarts").count(upTo: Int(Int32.max))
        consecutiveFailures = try reader.field("consecutive_failures").count(upTo: Int(Int32.max))
        if let exit = try reader.optional("last_exit") {
            if let code = try? exit.field("exited") {
                lastExit = .exited(Int32(try code.int(0...255)))
            } else {
                lastExit = .signaled(Int32(try exit.field("signaled").int(1...64)))
            }
        }
        lastExitWasRequested = try reader.field("last_exit_requested").bool()
        lastPID = try reader.optional("last_pid")?.pid()
        startedAt = try reader.optional("started_at")?.instant()
        respawnAfterStop = try reader.field("respawn_after_stop").bool()
        leftoverGroup = try reader.optional("leftover_group")?.pid()
        stop = try StopSequence(reexec: try reader.field("stop"))
    }
}

/// The JSON of both is the one the single state type of state versions 1
/// and 2 had (one `kind` per case), so a state an older image wrote reads
/// the same; each refuses the kinds only the other has.
extension AttachmentPhase {
    var reexecJSON: JSONValue {
        switch self {
        case .settling(let until): .object([("kind", .string("settling")), ("at", .instant(until))])
        case .waitingForLink: .object([("kind", .string("waiting-for-link"))])
        case .settingUp(let stage): .object([("kind", .string("setting-up")), ("stage", .int(Int64(stage.code)))])
        case .failed(let stage, let reason):
            .object([("kind", .string("failed")), ("stage", .int(Int64(stage.code))), ("reason", .string(reason))])
        case .configured: .object([("kind", .string("configured"))])
        case .supervising: .object([("kind", .string("supervising"))])
        }
    }

    init(reexec reader: ReexecReader) throws(ReexecStateError) {
        switch try reader.field("kind").string() {
        case "settling": self = .settling(until: try reader.field("at").instant())
        case "waiting-for-link": self = .waitingForLink
        case "setting-up": self = .settingUp(try reader.field("stage").stage())
        case "failed": self = .failed(try reader.field("stage").stage(), try reader.field("reason").string())
        case "configured": self = .configured
        case "supervising": self = .supervising
        case let other: throw ReexecStateError("\(reader.path).kind '\(Printable.escaped(String(other.prefix(32))))' is not an attachment's phase")
        }
    }
}

/// A worker stopping leftovers is written as versions 1 and 2 had it: a
/// `stopping` state of the group, with the worker's `stopping_leftovers`
/// and `probe_at` beside it (see `Worker.reexecJSON`).
extension WorkerState {
    var reexecJSON: JSONValue {
        switch self {
        case .waitingForLink: .object([("kind", .string("waiting-for-link"))])
        case .starting: .object([("kind", .string("setting-up")), ("stage", .int(Int64(Stage.children.code)))])
        case .running(let pid): .object([("kind", .string("running")), ("pid", .int(Int64(pid.rawValue)))])
        case .backoff(let until): .object([("kind", .string("backoff")), ("at", .instant(until))])
        case .stopping(let pid, let killAt, let killed):
            .object([("kind", .string("stopping")), ("pid", .int(Int64(pid.rawValue))), ("at", .instant(killAt)), ("killed", .bool(killed))])
        case .stoppingLeftovers(let group, let killAt, _):
            .object([("kind", .string("stopping")), ("pid", .int(Int64(group.rawValue))), ("at", .instant(killAt)), ("killed", .bool(false))])
        case .exited: .object([("kind", .string("exited"))])
        case .failed(let reason):
            .object([("kind", .string("failed")), ("stage", .int(Int64(Stage.children.code))), ("reason", .string(reason))])
        }
    }

    var isStoppingLeftovers: Bool {
        if case .stoppingLeftovers = self { return true }
        return false
    }

    var probeAt: Instant? {
        if case .stoppingLeftovers(_, _, let probeAt) = self { return probeAt }
        return nil
    }

    /// `stoppingLeftovers` and `probeAt` are the worker's fields of the
    /// same names: the flag makes a `stopping` state the leftovers' stop.
    /// Without a `probe_at` the shell is first asked at the kill deadline,
    /// as an older image would have.
    init(reexec reader: ReexecReader, stoppingLeftovers: Bool, probeAt: Instant?) throws(ReexecStateError) {
        let kind = try reader.field("kind").string()
        guard !stoppingLeftovers || kind == "stopping" else {
            throw ReexecStateError("\(reader.path): stopping leftovers in a '\(Printable.escaped(String(kind.prefix(32))))' state")
        }
        switch kind {
        case "waiting-for-link": self = .waitingForLink
        case "setting-up":
            guard try reader.field("stage").stage() == .children else { throw ReexecStateError("\(reader.path).stage is not the children stage") }
            self = .starting
        case "running": self = .running(pid: try reader.field("pid").pid())
        case "backoff": self = .backoff(until: try reader.field("at").instant())
        case "stopping":
            let pid = try reader.field("pid").pid(), killAt = try reader.field("at").instant(), killed = try reader.field("killed").bool()
            self = stoppingLeftovers ? .stoppingLeftovers(group: pid, killAt: killAt, probeAt: probeAt ?? killAt)
                                     : .stopping(pid: pid, killAt: killAt, killed: killed)
        case "exited": self = .exited
        case "failed":
            guard try reader.field("stage").stage() == .children else { throw ReexecStateError("\(reader.path).stage is not the children stage") }
            self = .failed(try reader.field("reason").string())
        case let other: throw ReexecStateError("\(reader.path).kind '\(Printable.escaped(String(other.prefix(32))))' is not a worker's state")
        }
    }
}

extension StopSequence {
    var reexecJSON: JSONValue {
        .object([("signal", .int(Int64(signal.number))), ("timeout_ns", .int(Int64(clamping: timeout.nanoseconds)))])
    }

    init(reexec reader: ReexecReader) throws(ReexecStateError) {
        self.init(signal: Signal(number: Int32(try reader.field("signal").int(1...64))),
                  timeout: TimeSpan(nanoseconds: UInt64(try reader.field("timeout_ns").int(0...Int64.max))))
    }
}
