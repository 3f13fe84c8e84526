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

        public init(pid: Int32, version: String, config: String, source: String, since: String, sinceUnix: Int64,
                    lastReexec: (iso8601: String, unix: Int64)? = nil, reexecs: Int = 0) {
            self.lastReexec = lastReexec
            self.reexecs = reexecs
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
    public static func json(daemon: Daemon, configuration: Configuration, instances: [InstanceStatus],
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
            ])),
            ("bindings", .array(bindings.map { binding in
                .object([
                    ("name", .string(binding.name)),
                    ("file", .string(binding.file)),
                    ("description", .optional(binding.description)),
                    ("devices", .array(instances.filter { $0.binding == binding.name }.map { instance in
                        let since = wallTime(instance.since)
                        return .object([
                            ("syspath", .string(instance.syspath)),
                            ("devpath", .string(instance.devpath)),
                            ("subsystem", .string(instance.subsystem)),
                            ("sysname", .string(instance.sysname)),
                            ("interface", .optional(instance.interface)),
                            ("instance", instance.instance.map { .int(Int64($0)) } ?? .null),
                            ("state", .string(instance.state)),
                            ("stage", .optional(instance.stage?.description)),
                            ("pid", instance.pid.map { .int(Int64($0)) } ?? .null),
                            ("since", .string(since.iso8601)),
                            ("since_unix", .int(since.unix)),
                            ("restarts", .int(Int64(instance.restarts))),
                            ("last_exit", lastExit(instance.lastExit, requested: instance.lastExitWasRequested)),
                            ("next_try", instance.nextTry.map { .string(wallTime($0).iso8601) } ?? .null),
                            ("next_try_unix", instance.nextTry.map { .int(wallTime($0).unix) } ?? .null),
                            ("error", .optional(instance.error)),
                        ])
                    })),
                ])
            })),
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
