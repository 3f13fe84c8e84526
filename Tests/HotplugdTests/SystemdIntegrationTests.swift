import Foundation
import Testing
import TestSupport

/// What `hotplugd run` tells systemd, read from a test NOTIFY_SOCKET.
@Suite(.needsUdevd, .serialized)
struct SystemdIntegrationTests {
    @Test func notifiesReadyStatusReloadingAndStoppingInOrder() throws {
        let fixture = try DaemonFixture(prefix: "sdn")
        defer { fixture.cleanUp() }
        let child = try fixture.script("child.sh", "echo up; sleep 600 & wait $!")
        try fixture.bindings(["cable.toml": """
            [match]
            subsystem = "net"
            kernel = "sdn*"
            [exec]
            command = ["\(child)"]
            stop-timeout = "2s"
            """])
        let listener = try NotifySocketListener()
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = listener.notifySocket
        try fixture.start(environment: environment)
        var messages: [String] = []
        func collect(until predicate: (String) -> Bool) -> Bool {
            eventually {
                messages += listener.receiveAll()
                return messages.contains(where: predicate)
            }
        }
        #expect(collect { $0.contains("READY=1") })
        #expect(messages.first == "READY=1\nSTATUS=0 devices")
        let veth = try VethPair(prefix: "sdn")
        defer { veth.delete() }
        #expect(collect { $0 == "STATUS=1 device, 1 running" })
        fixture.signal(SIGHUP)
        #expect(collect { $0.hasPrefix("READY=1") && $0 != messages.first })
        let reloading = try #require(messages.firstIndex { $0.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") })
        let readyAgain = try #require(messages.lastIndex { $0.hasPrefix("READY=1\nSTATUS=1 device, 1 running") })
        #expect(reloading < readyAgain)
        #expect(fixture.stop() == 0)
        messages += listener.receiveAll()
        let stopping = try #require(messages.firstIndex { $0.hasPrefix("STOPPING=1") }, "\(messages)")
        #expect(stopping > readyAgain)
        #expect(!messages[stopping...].contains { $0.contains("READY=1") })
    }
}
