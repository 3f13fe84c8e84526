import Testing
@testable import HotplugCore

/// The attachment table's indexes answer exactly what a scan of every
/// attachment would, after any sequence of changes.
struct AttachmentTableTests {
    /// A small deterministic generator, so a failure can be replayed.
    struct Steps: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state ^ (state >> 29)
        }
    }

    static func randomPhase(_ random: inout Steps) -> AttachmentPhase {
        let at = Instant(nanoseconds: UInt64.random(in: 1...50, using: &random))
        switch Int.random(in: 0..<5, using: &random) {
        case 0: return .settling(until: at)
        case 1, 2: return .supervising
        case 3: return .failed(.children, "x")
        default: return .settingUp(.children)
        }
    }

    static func randomWorkerState(_ random: inout Steps) -> WorkerState {
        let at = Instant(nanoseconds: UInt64.random(in: 1...50, using: &random))
        let pid = ProcessID(Int32.random(in: 100...130, using: &random))
        switch Int.random(in: 0..<7, using: &random) {
        case 0: return .running(pid: pid)
        case 1: return .backoff(until: at)
        case 2: return .stopping(pid: pid, killAt: at, killed: Bool.random(using: &random))
        case 3: return .stoppingLeftovers(group: pid, killAt: at, probeAt: Instant(nanoseconds: UInt64.random(in: 1...50, using: &random)))
        case 4: return .exited
        case 5: return .waitingForLink
        default: return .starting
        }
    }

    @Test func indexesAgreeWithAScanAfterRandomChanges() {
        var random = Steps(state: 42)
        var table = AttachmentTable()
        let ids = (0..<12).map { AttachmentID(binding: "b\($0 % 3)", device: DeviceID(UInt64($0 % 5))) }
        for _ in 0..<4000 {
            let id = ids.randomElement(using: &random)!
            switch Int.random(in: 0..<10, using: &random) {
            case 0:
                table.removeValue(forKey: id)
            case 1...3:
                var attachment = Attachment(id: id, state: Self.randomPhase(&random), since: Instant(nanoseconds: 0))
                attachment.workers = (0..<Int.random(in: 0...3, using: &random)).map { _ in
                    Worker(state: Self.randomWorkerState(&random), since: Instant(nanoseconds: 0))
                }
                table[id] = attachment
            default:
                guard let count = table[id]?.workers.count, count > 0 else { continue }
                let index = Int.random(in: 0..<count, using: &random)
                table[id]?.workers[index].state = Self.randomWorkerState(&random)
            }
            check(table)
        }
    }

    func check(_ table: AttachmentTable) {
        let all = Array(table.values)
        #expect(table.nextDeadline == all.compactMap(\.deadline).min())
        let now = Instant(nanoseconds: 25)
        #expect(table.due(at: now) == all.filter { $0.deadline.map { $0 <= now } ?? false }.map(\.id).sorted())
        for device in (0..<5).map({ DeviceID(UInt64($0)) }) {
            #expect(table.ids(of: device) == all.map(\.id).filter { $0.device == device }.sorted())
        }
        for pid in (Int32(100)...130).map(ProcessID.init(rawValue:)) {
            // The index holds children and leftover groups being stopped.
            let owners = all.filter { $0.workers.contains { $0.state.pid == pid } }.map(\.id)
            #expect(table.id(withPID: pid) == owners.min())
        }
        var counts: [String: Int] = [:]
        for attachment in all {
            for name in attachment.state == .supervising ? attachment.workers.map(\.state.name) : [attachment.state.name] {
                counts[name, default: 0] += 1
            }
        }
        #expect(table.rowStateCounts == counts)
        #expect(table.deviceCount == Set(all.map(\.id.device)).count)
    }
}
