import Glibc
import HotplugCore

/// What a new image found at start: nothing (an ordinary start), a state it
/// takes over, or a state it refused (it then starts clean: see `Daemon`).
public enum ReexecTakeover {
    case resumed(ReexecInheritance)
    case refused(reason: String, reply: ControlConnection?)

    /// Reads the state named by `HOTPLUGD_REEXEC_STATE`, checked against the
    /// configuration this image loaded, and removes both variables from the
    /// environment. On a refusal every descriptor the old image handed over
    /// but the requester's connection is closed at once, so the clean start
    /// can bind the same ports and control socket again.
    public static func fromEnvironment(configuration: Configuration) -> ReexecTakeover? {
        guard let stateText = variable(ReexecExec.stateVariable) else { return nil }
        let replyNumber = variable(ReexecExec.replyVariable).flatMap(Int32.init)
        let handed = variable(ReexecExec.descriptorsVariable).flatMap(ReexecDescriptors.parseHanded) ?? []
        for name in ReexecExec.variables { unsetenv(name) }
        let reply = replyNumber.flatMap(adoptConnection)
        do throws(ReexecStateError) {
            guard let number = Int32(stateText) else { throw ReexecStateError("\(ReexecExec.stateVariable) is not a descriptor number") }
            let reading = MonotonicClock.now()
            let state = try ReexecState(parsing: try ReexecStateFile.read(number: number), configuration: configuration)
            let parsed = MonotonicClock.now()
            let numbers = state.descriptors
            for number in numbers where number == replyNumber || !handed.contains(number) || fcntl(number, F_GETFD) < 0 {
                throw ReexecStateError("descriptor \(number) the state names was not handed over")
            }
            // What was handed over and the state does not name goes.
            ReexecDescriptors.closeHanded(handed, keeping: Set(numbers))
            // Ours again, and children must not inherit them by accident.
            _ = ReexecDescriptors.keepAcrossExec(numbers, false)
            return .resumed(ReexecInheritance(state: state, reply: reply, readAt: reading, parsedAt: parsed))
        } catch {
            ReexecDescriptors.closeHanded(handed, keeping: replyNumber.map { [$0] } ?? [])
            return .refused(reason: error.description, reply: reply)
        }
    }

    private static func variable(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    private static func adoptConnection(_ number: Int32) -> ControlConnection? {
        var info = stat()
        guard number > 2, fstat(number, &info) == 0, (info.st_mode & S_IFMT) == S_IFSOCK,
              let descriptor = FileDescriptor(adopting: number) else { return nil }
        _ = fcntl(number, F_SETFD, FD_CLOEXEC)
        return ControlConnection(descriptor: descriptor)
    }
}

/// The state a new image takes over, and the descriptors it names, each
/// handed out once (to the type that owns it from then on); what is not
/// taken is closed by `closeUntaken`.
public final class ReexecInheritance {
    public let state: ReexecState
    /// The connection of the `hotplugd reexec` that asked: answered once
    /// the new image runs.
    var reply: ControlConnection?
    private var untaken: Set<Int32>

    /// When the state was read and parsed (monotonic), for the debug log's
    /// account of the pause.
    let readAt: UInt64
    let parsedAt: UInt64

    init(state: ReexecState, reply: ControlConnection?, readAt: UInt64 = 0, parsedAt: UInt64 = 0) {
        self.readAt = readAt
        self.parsedAt = parsedAt
        self.state = state
        self.reply = reply
        untaken = Set(state.descriptors)
    }

    /// The owner of a descriptor the state names; nil for any other number
    /// or one already taken.
    func take(_ number: Int32?) -> FileDescriptor? {
        guard let number, untaken.remove(number) != nil else { return nil }
        return FileDescriptor(adopting: number)
    }

    func closeUntaken() {
        for number in untaken { _ = FileDescriptor(adopting: number) }
        untaken = []
    }
}
