import Glibc
import HotplugCore

/// The control socket's requests, answered from the loop (the connections
/// are `ControlConnections`').
extension DaemonLoop {
    func acceptConnections() {
        guard let control else { return }
        connections.acceptAll(from: control)
    }

    func serveConnection(_ id: UInt64) {
        connections.serve(id) { line, peer in
            guard isPermittedReexec(line, peer: peer) else { return answer(line, peer: peer) }
            // The new binary is asked first, while the loop goes on; the
            // exec follows between loop turns, answered by the new image.
            reexec.beginReexec(answering: id)
            return nil
        }
    }

    func isPermittedReexec(_ line: String, peer: uid_t?) -> Bool {
        guard (try? ControlRequest(parsing: line)) == .reexec, let peer else { return false }
        return peer == 0 || peer == geteuid()
    }

    func answer(_ line: String, peer: uid_t?) -> String {
        let request: ControlRequest
        do {
            request = try ControlRequest(parsing: line)
        } catch {
            return Self.failure(error.description)
        }
        if request.needsPrivilege {
            guard let peer, peer == 0 || peer == geteuid() else {
                return Self.failure("permission denied: '\(request.line.split(separator: " ").first ?? "")' needs root or the daemon's own user")
            }
        }
        switch request {
        case .status(let binding):
            if let binding, supervisor.configuration.binding(named: binding) == nil {
                return Self.failure("no binding named '\(binding)'")
            }
            return statusJSON(onlyBinding: binding).serialized()
        case .metrics:
            return JSONValue.object([("ok", .bool(true)), ("text", .string(metricsText()))]).serialized()
        case .reload:
            logger.notice("reload requested over the control socket")
            if let errors = reload() {
                return JSONValue.object([
                    ("ok", .bool(false)),
                    ("error", .string("the new configuration has errors; the running one is kept")),
                    ("errors", .array(errors.diagnostics.map { .string($0.description) })),
                ]).serialized()
            }
            return JSONValue.object([("ok", .bool(true)), ("bindings", .int(Int64(supervisor.configuration.bindings.count)))]).serialized()
        case .restart(let binding, let device):
            guard supervisor.configuration.binding(named: binding) != nil else {
                return Self.failure("no binding named '\(binding)'")
            }
            let selector = device.map(canonicalDevice)
            let targets = supervisor.restartTargets(binding: binding, device: selector)
            guard !targets.isEmpty else {
                let on = device.map { " on '\($0)'" } ?? ""
                return Self.failure("binding '\(binding)' has no attachment\(on): nothing to restart")
            }
            apply(.restart(binding: binding, device: selector))
            return JSONValue.object([("ok", .bool(true)), ("instances", .int(Int64(supervisor.workerCount(targets)))),
                                     ("devices", .int(Int64(targets.count)))]).serialized()
        case .reexec:
            return Self.failure("internal: reexec is answered by the new image")
        }
    }

    /// `/sys/class/net/X` and other symlinked paths name a device by a path
    /// the core does not keep: resolve them to the device's syspath.
    func canonicalDevice(_ selector: String) -> String {
        udev.canonicalDevice(selector)
    }

    func statusJSON(onlyBinding: String?) -> JSONValue {
        let monotonicNow = MonotonicClock.now()
        let wallNow = WallClock.now()
        return StatusDocument.json(
            daemon: StatusDocument.Daemon(pid: getpid(), version: Self.version, config: options.configPath,
                                          source: options.source.rawValue, since: startedAt.iso8601,
                                          sinceUnix: Int64(startedAt.seconds),
                                          lastReexec: lastReexecAt.map { ($0.iso8601, Int64($0.seconds)) }, reexecs: reexecs,

                                          firewall: firewallKeeper.configurationUsesFirewall || firewallStage.hasTouchedTable ? firewallKeeper.repair : nil,
                                          unrecordedChildren: registry.unrecorded.count, recordError: registry.lastFailure),
            configuration: supervisor.configuration, rows: supervisor.status(), onlyBinding: onlyBinding,
            wallTime: { instant in
                let age = monotonicNow >= instant.nanoseconds ? monotonicNow - instant.nanoseconds : 0
                let total = Int64(wallNow.seconds) * 1_000_000_000 + Int64(wallNow.nanoseconds) - Int64(age)
                let clock = WallClock(seconds: Int(total / 1_000_000_000), nanoseconds: Int(total % 1_000_000_000))
                return (clock.iso8601, Int64(clock.seconds))
            })
    }
}
