import Foundation
import Testing
import TestSupport

/// `[listen]` passes sockets exactly as systemd does: the same program
/// sees the same environment and descriptors under hotplugd as under
/// `systemd-socket-activate`, the protocol's reference.
@Suite(.needsUdevd, .serialized)
struct SocketActivationTests {
    /// Writes what a socket-activated program sees to argv[1], as JSON.
    static let reporter = """
        import json, os, socket, sys
        count = int(os.environ.get("LISTEN_FDS", "0"))
        fds = []
        for fd in range(3, 3 + count):
            s = socket.socket(fileno=os.dup(fd))
            fds.append({"fd": fd, "inheritable": os.get_inheritable(fd), "family": int(s.family), "type": int(s.type),
                        "accepting": s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN),
                        "v6only": s.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY) if s.family == socket.AF_INET6 else None})
            s.close()
        listing = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
        others = sorted(int(n) for n in os.listdir(listing) if int(n) > 2 + count and int(n) != listing)
        report = {"LISTEN_FDS": os.environ.get("LISTEN_FDS"), "LISTEN_FDNAMES": os.environ.get("LISTEN_FDNAMES"),
                  "pid_matches": os.environ.get("LISTEN_PID") == str(os.getpid()), "fds": fds, "others": others}
        with open(sys.argv[1] + ".tmp", "w") as out:
            json.dump(report, out, sort_keys=True)
        os.rename(sys.argv[1] + ".tmp", sys.argv[1])
        """

    static func report(_ path: String) -> String? {
        guard eventually(timeout: 15, { FileManager.default.fileExists(atPath: path) }) else { return nil }
        return try? String(contentsOfFile: path, encoding: .utf8)
    }

    @Test func aProgramSeesWhatSystemdSocketActivateGivesIt() throws {
        let fixture = try DaemonFixture(prefix: "sac")
        defer { fixture.cleanUp() }
        try fixture.write("report.py", Self.reporter)
        let port = Int.random(in: 20000..<40000)
        try fixture.bindings(["web.toml": """
            [match]
            subsystem = "net"
            kernel = "sac*"
            [exec]
            command = ["/usr/bin/python3", "\(fixture.directory.path)/report.py", "\(fixture.directory.path)/hotplugd.json"]
            restart = "no"
            [listen]
            stream = ["\(port)"]
            bind-to-device = false
            name = "web"
            """])
        try fixture.start()
        let veth = try VethPair(prefix: "sac")
        defer { veth.delete() }
        let ours = try #require(Self.report(fixture.directory.path + "/hotplugd.json"))

        let reference = try RunningProcess(["/usr/bin/systemd-socket-activate", "-l", String(port + 1), "--fdname=web",
                                            "/usr/bin/python3", fixture.directory.path + "/report.py",
                                            fixture.directory.path + "/systemd.json"])
        defer { reference.process.terminate() }
        // It starts the program at the first connection.
        let connect = "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 2).close()"
        #expect(eventually { (try? Shell.run(["/usr/bin/python3", "-c", connect, String(port + 1)]))?.status == 0 })
        let theirs = try #require(Self.report(fixture.directory.path + "/systemd.json"))
        #expect(ours == theirs)
        #expect(ours.contains("\"LISTEN_FDS\": \"1\"") && ours.contains("\"pid_matches\": true") && ours.contains("\"inheritable\": true"))
    }
}
