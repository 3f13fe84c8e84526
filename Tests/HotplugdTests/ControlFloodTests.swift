import Foundation
import Testing
import TestSupport

/// Clients in the socket's group that open connections as fast as they can
/// and never send fill a bounded share of the daemon's connections; root's
/// `status` and `reload` keep working (issue 21, item 15).
@Suite(.needsRoot, .serialized)
struct ControlFloodTests {
    /// Four threads, each connecting and holding up to 40 idle connections,
    /// closing its oldest to open another, for `seconds`.
    static let flood = """
        import socket, sys, threading, time
        path, seconds = sys.argv[1], float(sys.argv[2])
        def run():
            held = []
            end = time.time() + seconds
            while time.time() < end:
                try:
                    s = socket.socket(socket.AF_UNIX)
                    s.connect(path)
                    held.append(s)
                except OSError:
                    time.sleep(0.001)
                if len(held) > 40:
                    held.pop(0).close()
        threads = [threading.Thread(target=run) for _ in range(4)]
        for t in threads: t.start()
        for t in threads: t.join()
        """

    @Test func hdAFloodOfIdleClientsNeverPushesRootOut() throws {
        let fixture = try DaemonFixture(prefix: "hdcf")
        defer { fixture.cleanUp() }
        try fixture.bindings(["idle.toml": "[match]\nsubsystem = \"net\"\nkernel = \"hdnomatch*\"\n"])
        try fixture.write("flood.py", Self.flood)
        try fixture.start()
        chmod(fixture.directory.path, 0o755)
        chmod(fixture.directory.path + "/flood.py", 0o644)
        chmod(fixture.socketPath, 0o666)
        let flood = try RunningProcess(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                        "/usr/bin/python3", fixture.directory.path + "/flood.py", fixture.socketPath, "6"])
        defer { flood.stop() }
        usleep(500_000)
        var failures: [String] = []
        for round in 0..<40 {
            let result = try fixture.client(round % 4 == 0 ? "reload" : "status")
            if result.status != 0 { failures.append(result.stderr) }
        }
        print("control flood: \(failures.count) of 40 root requests failed under a flood of 4 idle clients")
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        flood.stop()
        #expect(try fixture.client("status").status == 0)
    }
}
