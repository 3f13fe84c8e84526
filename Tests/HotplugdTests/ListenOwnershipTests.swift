import Foundation
import Testing
import TestSupport

/// The `[listen]` sockets stay hotplugd's for as long as the device is
/// bound: through a restart of every worker, a quick replug, and a child
/// that shuts a shared socket down. In namespaces of their own ("fi").
@Suite(.needsRoot, .serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"),
                                          "needs curl (scripts/setup installs it)"))
struct ListenOwnershipTests {
    static func binding(_ daemon: NamespacedDaemon, kernel: String, script: String, restartDelay: String,
                        listen: String, extraExec: String = "") -> String {
        """
        [match]
        subsystem = "net"
        kernel = "\(kernel)"
        [link]
        addresses = ["\(ListenTests.address)/24"]
        [exec]
        command = ["/usr/bin/python3", "\(daemon.directory.path)/\(script)", "\(daemon.directory.path)"]
        restart-delay = "\(restartDelay)"
        \(extraExec)
        [listen]
        \(listen)
        """
    }

    /// A program of another user trying to take the port, with and without
    /// SO_REUSEPORT (to join the group): prints "taken" or "refused".
    static func squat(_ daemon: NamespacedDaemon, port: Int) throws -> String {
        let script = """
            import socket, sys
            for reuse in (True, False):
                s = socket.socket()
                if reuse: s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                try:
                    s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen()
                    print("taken"); sys.exit(0)
                except OSError:
                    s.close()
            print("refused")
            """
        return try daemon.host.run("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                   "/usr/bin/python3", "-c", script, String(port)).stdout
    }

    /// reuseport with one worker that fails at once: while it waits out its
    /// restart delay no worker runs, and the port must still be hotplugd's.
    @Test func fiReuseportPortStaysHeldWhileEveryWorkerRestarts() throws {
        let daemon = try NamespacedDaemon(prefix: "fir")
        defer { daemon.cleanUp() }
        // The first run fails after a moment; the next ones serve.
        try daemon.directory.write("worker.py", """
            import os, sys, time
            marker = sys.argv[1] + "/failed-once"
            if not os.path.exists(marker):
                open(marker, "w").close()
                print("failing", flush=True)
                time.sleep(0.2)
                sys.exit(1)
            """ + "\n" + ListenTests.worker)
        try daemon.bindingFile("svc", Self.binding(daemon, kernel: "fr*", script: "worker.py", restartDelay: "4s",
                                                   listen: "stream = [\"8080\"]\nmode = \"reuseport\""))
        try daemon.start()
        try daemon.plug("fr" + String(VethPair.uniqueName(prefix: "").prefix(6)), clientAddress: ListenTests.peer)
        #expect(daemon.waitForLog("restarting in"))
        let listening = try daemon.host.run("/bin/ss", "-Hltn").stdout.contains(":8080")
        #expect(listening, "hotplugd keeps a socket of the group while no worker runs")
        let squatter = try Self.squat(daemon, port: 8080)
        #expect(squatter.contains("refused"), "no other user takes the port in the restart delay: \(squatter)")
        #expect(daemon.waitForLog("serving", timeout: 15))
        #expect(try ListenTests.requests(daemon, 4).allSatisfy { $0 != nil }, "the restarted worker serves")
        #expect(daemon.logCount("another program") == 0)
    }

    /// `bind-to-device = false`: the old device's sockets are still open
    /// while its child takes its time to stop, and the new device's
    /// sockets stage must wait for them, not fail for good.
    @Test func fiQuickReplugWaitsForHotplugdsOwnSockets() throws {
        let daemon = try NamespacedDaemon(prefix: "fiq")
        defer { daemon.cleanUp() }
        // Stops slowly: SIGTERM is answered after 1.5 s.
        try daemon.directory.write("worker.py", """
            import signal, sys, time
            def slow(number, frame):
                time.sleep(1.5)
                sys.exit(0)
            signal.signal(signal.SIGTERM, slow)
            print("serving", flush=True)
            while True: time.sleep(1)
            """)
        try daemon.bindingFile("svc", Self.binding(daemon, kernel: "fq*", script: "worker.py", restartDelay: "100ms",
                                                   listen: "stream = [\"8080\"]\nbind-to-device = false"))
        try daemon.start()
        let first = "fq" + String(VethPair.uniqueName(prefix: "").prefix(6))
        try daemon.plug(first, clientAddress: ListenTests.peer)
        #expect(daemon.waitForLog("serving"))
        try daemon.unplug(first)
        try daemon.plug("fq" + String(VethPair.uniqueName(prefix: "").prefix(6)), clientAddress: ListenTests.peer)
        #expect(daemon.waitForLog("held by hotplugd itself"), "the port is ours, and the message says so")
        #expect(daemon.waitForLog("serving", count: 2, timeout: 20), "the new device's child starts once the old sockets close")
        #expect(daemon.logCount("another program") == 0, "hotplugd does not take its own socket for another program's")
        let table = try daemon.hotplugd("status").stdout
        #expect(table.contains("running") && !table.contains("failed"), "\(table)")
    }

    /// A child that shuts the shared socket down ends its listening for
    /// every holder; the next child must get a socket that accepts.
    @Test func fiASharedSocketAChildShutDownListensAgain() throws {
        let daemon = try NamespacedDaemon(prefix: "fis")
        defer { daemon.cleanUp() }
        try daemon.directory.write("worker.py", """
            import os, socket, sys
            marker = sys.argv[1] + "/shut-once"
            if not os.path.exists(marker):
                open(marker, "w").close()
                socket.socket(fileno=3).shutdown(socket.SHUT_RDWR)
                print("shut it down", flush=True)
                sys.exit(1)
            """ + "\n" + ListenTests.worker)
        try daemon.bindingFile("svc", Self.binding(daemon, kernel: "fs*", script: "worker.py", restartDelay: "100ms",
                                                   listen: "stream = [\"8080\"]"))
        try daemon.start()
        try daemon.plug("fs" + String(VethPair.uniqueName(prefix: "").prefix(6)), clientAddress: ListenTests.peer)
        #expect(daemon.waitForLog("shut it down"))
        #expect(daemon.waitForLog("stopped accepting"), "hotplugd reports the dead socket")
        #expect(daemon.waitForLog("serving", timeout: 15))
        #expect(try ListenTests.requests(daemon, 4).allSatisfy { $0 != nil }, "the next child serves on a listening socket")
    }
}
