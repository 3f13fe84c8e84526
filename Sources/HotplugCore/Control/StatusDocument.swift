/// The JSON `hotplugd status --json` prints; its shape is a contract that
/// scripts read (README, "The control socket"): fields may be added, never
/// renamed or removed.
public struct StatusDocument {
    public struct Daemon: Sendable {
        public var pid: Int32
        public var version: String
        public var config: String
        public var source: String
        public var since: String
        public var sinceUnix: Int64
        /// The last `hotplugd reexec` (ISO 8601, Unix seconds) and how many
        /// there were; `since` stays the first image's start.
        public var lastReexec: (iso8601: String, unix: Int64)?
        public var reexecs: Int
        /// The nftables table's repair state; nil for a daemon that never
        /// touched nftables (no `[firewall]`).
        public var firewall: FirewallRepair?
        /// Running children without a crash-recovery record, and why.
        public var unrecordedChildren: Int
        public var recordError: String?

        public init(pid: Int32, version: String, config: String, source: String, since: String, sinceUnix: Int64,
                    lastReexec: (iso8601: String, unix: Int64)? = nil, reexecs: Int = 0,
                    firewall: FirewallRepair? = nil, unrecordedChildren: Int = 0, recordError: String? = nil) {
            self.lastReexec = lastReexec
            self.reexecs = reexecs
            self.firewall = firewall
            self.unrecordedChildren = unrecordedChildren
            self.recordError = recordError
            self.sinceUnix = sinceUnix
            self.pid = pid
            self.version = version
            self.config = config
            self.source = source
            self.since = since
        }
    }

    /// `wallTime` turns the core's monotonic instants into ISO 8601 text
    /// and Unix seconds, which only the shell knows how to do.
    public static func json(daemon: Daemon, configuration: Configuration, rows: [StatusRow],
                            onlyBinding: String?, wallTime: (Instant) -> (iso8601: String, unix: Int64)) -> JSONValue {
        let bindings = configuration.bindings.filter { onlyBinding == nil || $0.name == onlyBinding }
        return .object([
            ("daemon", .object([
                ("pid", .int(Int64(daemon.pid))),
                ("version", .string(daemon.version)),
                ("config", .string(daemon.config)),
                ("source", .string(daemon.source)),
                ("since", .string(daemon.since)),
                ("since_unix", .int(daemon.sinceUnix)),
                ("last_reexec", .optional(daemon.lastReexec?.iso8601)),
                ("last_reexec_unix", daemon.lastReexec.map { .int($0.unix) } ?? .null),
                ("reexecs", .int(Int64(daemon.reexecs))),
                ("firewall", daemon.firewall.map { firewall($0, wallTime: wallTime) } ?? .null),
                ("unrecorded_children", .int(Int64(daemon.unrecordedChildren))),
                ("record_error", daemon.unrecordedChildren > 0 ? .optional(daemon.recordError) : .null),
            ])),
            ("bindings", .array(bindings.map { binding in
                .object([
                    ("name", .string(binding.name)),
                    ("file", .string(binding.file)),
                    ("description", .optional(binding.description)),
                    ("devices", .array(rows.filter { $0.binding == binding.name }.map { row in
                        let since = wallTime(row.since)
                        return .object([
                            ("syspath", .string(row.syspath)),
                            ("devpath", .string(row.devpath)),
                            ("subsystem", .string(row.subsystem)),
                            ("sysname", .string(row.sysname)),
                            ("interface", .optional(row.interface)),
                            ("instance", row.instance.map { .int(Int64($0)) } ?? .null),
                            ("state", .string(row.state)),
                            ("stage", .optional(row.stage?.description)),
                            ("pid", row.pid.map { .int(Int64($0.rawValue)) } ?? .null),
                            ("since", .string(since.iso8601)),
                            ("since_unix", .int(since.unix)),
                            ("restarts", .int(Int64(row.restarts))),
                            ("last_exit", lastExit(row.lastExit, requested: row.lastExitWasRequested)),
                            ("next_try", row.nextTry.map { .string(wallTime($0).iso8601) } ?? .null),
                            ("next_try_unix", row.nextTry.map { .int(wallTime($0).unix) } ?? .null),
                            ("error", .optional(row.error)),
                        ])
                    })),
                ])
            })),
        ])
    }

    /// `{"state": "intact" | "repairing" | "failing", "repairs": N, ...}`:
    /// whether the table holds hotplugd's rules, and if not since when, who
    /// changed it, what the last repair said and when the next is due.
    static func firewall(_ repair: FirewallRepair, wallTime: (Instant) -> (iso8601: String, unix: Int64)) -> JSONValue {
        let (state, since, due, error): (String, Instant?, Instant?, String?) = switch repair.state {
        case .intact: ("intact", nil, nil, nil)
        case .repairing(let since, let due): ("repairing", since, due, nil)
        case .failing(let since, let due, let error): ("failing", since, due, error)
        }
        return .object([
            ("table", .string("inet " + FirewallRuleset.tableName)),
            ("state", .string(state)),
            ("degraded_since", since.map { .string(wallTime($0).iso8601) } ?? .null),
            ("degraded_since_unix", since.map { .int(wallTime($0).unix) } ?? .null),
            ("next_try", due.map { .string(wallTime($0).iso8601) } ?? .null),
            ("next_try_unix", due.map { .int(wallTime($0).unix) } ?? .null),
            ("changed_by", .optional(repair.changedBy)),
            ("repairs", .int(Int64(clamping: repair.repairs))),
            ("error", .optional(error)),
        ])
    }

    /// `requested`: hotplugd stopped the child (restart, reload, remove),
    /// which the text says rather than show it as a crash.
    static func lastExit(_ exit: ChildExit?, requested: Bool) -> JSONValue {
        guard let exit else { return .null }
        let text = requested ? "stopped by hotplugd (\(exit))" : exit.description
        switch exit {
        case .exited(let code):
            return .object([("code", .int(Int64(code))), ("signal", .null), ("text", .string(text)), ("requested", .bool(requested))])
        case .signaled(let number):
            return .object([("code", .null), ("signal", .string(Signal(number: number).name)), ("text", .string(text)),
                            ("requested", .bool(requested))])
        }
    }
}
