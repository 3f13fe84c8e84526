import HotplugCore
@testable import HotplugLinux
import Testing

/// Each component of the daemon owns its epoll tokens; together they must
/// never collide, or one component's readiness would reach another.
struct DaemonTokenTests {
    @Test func theFixedTokensAreDistinctAndBelowTheChildren() {
        let fixed = Daemon.Token.fixed
        #expect(Set(fixed).count == fixed.count)
        #expect(fixed.allSatisfy { $0 > 0 && $0 < 0x10 })
        #expect(fixed.allSatisfy { ControlConnections.connectionID($0) == nil })
    }

    @Test func childAndConnectionTokensStayInTheirOwnRanges() {
        // pid_max is at most 2^22.
        for pid: Int32 in [1, 2, 4_194_304] {
            for watched in [ChildProcess.Watched.exit, .output(.standardOutput), .output(.standardError)] {
                let token = ChildrenStage<LinuxKernel>.token(ProcessID(pid), watched)
                #expect(token >= 0x10)
                #expect(ControlConnections.connectionID(token) == nil)
            }
        }
        #expect(ControlConnections.connectionID(ControlConnections.token(0)) == 0)
        #expect(ControlConnections.connectionID(ControlConnections.token(ControlConnections.tokenIDs)) == ControlConnections.tokenIDs)
    }
}
