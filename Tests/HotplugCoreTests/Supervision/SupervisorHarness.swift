@testable import HotplugCore

/// Drives a `Supervisor` with a fake clock and plays the shell's part:
/// links configure as asked, spawns get increasing pids.
struct SupervisorHarness {
    var supervisor: Supervisor
    var clock = Instant(nanoseconds: 1_000_000_000)
    var nextPID: Int32 = 1000
    var log: [Effect] = []
    /// When set, `.configureLink` fails with this reason.
    var linkFailure: String?
    /// When set, `.spawn` fails with this reason.
    var spawnFailure: String?
    var takenNames: Set<String> = []

    init(_ bindings: [Binding]) {
        supervisor = Supervisor(configuration: Configuration(bindings: bindings))
    }

    @discardableResult
    mutating func send(_ event: Supervisor.Event) -> [Effect] {
        var produced: [Effect] = []
        var queue = [event]
        while !queue.isEmpty {
            let effects = supervisor.handle(queue.removeFirst(), now: clock)
            produced += effects
            for effect in effects {
                switch effect {
                case .configureLink(let device, let request):
                    if let linkFailure {
                        queue.append(.linkConfigured(device, .failure(.init(linkFailure))))
                    } else {
                        let name = request.settings.name.flatMap {
                            LinkPlanning.targetName($0, current: request.currentName, taken: takenNames)
                        } ?? request.currentName
                        takenNames.insert(name)
                        queue.append(.linkConfigured(device, .success(name)))
                    }
                case .spawn(let id, _):
                    if let spawnFailure {
                        queue.append(.spawnFailed(id, spawnFailure))
                    } else {
                        nextPID += 1
                        queue.append(.childStarted(id, pid: nextPID))
                    }
                default:
                    break
                }
            }
        }
        log += produced
        return produced
    }

    @discardableResult
    mutating func advance(_ span: TimeSpan) -> [Effect] {
        clock = clock + span
        return send(.tick)
    }

    func state(_ binding: String) -> String? {
        supervisor.status().first { $0.binding == binding }?.state
    }

    func pid(_ binding: String) -> Int32? {
        supervisor.status().first { $0.binding == binding }?.pid
    }

    static func spawns(_ effects: [Effect]) -> [LaunchPlan] {
        effects.compactMap { if case .spawn(_, let plan) = $0 { plan } else { nil } }
    }

    static func signals(_ effects: [Effect]) -> [(Int32, Signal)] {
        effects.compactMap { if case .signal(_, let pid, let signal) = $0 { (pid, signal) } else { nil } }
    }
}

enum Bindings {
    static func binding(_ name: String, kernel: String = "v*", link: LinkSettings? = nil,
                        restart: RestartPolicy = .onFailure, settle: TimeSpan = .zero, exec: Bool = true) -> Binding {
        let command = [try! Template(parsing: "/bin/child"), try! Template(parsing: "{interface}")]
        return Binding(name: name, file: "/etc/hotplugd/\(name).toml",
                       match: MatchRules(subsystem: PatternList(["net"]), kernel: PatternList([kernel])),
                       link: link,
                       exec: exec ? ExecSettings(command: command, restart: restart, restartDelay: .milliseconds(500),
                                                 restartDelayMax: .seconds(4), stopTimeout: .seconds(5), settle: settle) : nil)
    }
}
