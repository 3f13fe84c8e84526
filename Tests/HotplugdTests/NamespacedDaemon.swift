import Foundation
import Testing
import TestSupport

/// Two namespaces joined by veth pairs: `host`, where `hotplugd run`
/// watches the interfaces, applies `[firewall]`, opens `[listen]` sockets
/// and runs its children, and `client`, which holds the far ends and
/// connects in. Nothing of it touches the machine's own interfaces,
/// firewall or addresses.
final class NamespacedDaemon: @unchecked Sendable {
    let host: NetworkNamespace
    let client: NetworkNamespace
    let directory: TemporaryDirectory
    private(set) var daemon: RunningProcess?
    static let listener = """
        import socket, sys, threading
        for address in sys.argv[1].split(","):
            for port in map(int, sys.argv[2:]):
                s = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((address, port))
                s.listen(64)
                def serve(s=s):
                    while True:
                        c, _ = s.accept()
                        c.sendall(b"hello\\n")
                        c.close()
                threading.Thread(target=serve, daemon=True).start()
        print("listening", flush=True)
        threading.Event().wait()
        """

    init(prefix: String) throws {
        host = try NetworkNamespace(prefix: prefix)
        client = try NetworkNamespace(prefix: prefix)
        directory = try TemporaryDirectory(prefix: "hotplugd-\(prefix)")
        try FileManager.default.createDirectory(atPath: directory.path + "/bindings", withIntermediateDirectories: true)
        try directory.write("listen.py", Self.listener)
    }

    /// A binding whose [link] gives the interface `address` (and
    /// `address6`, fd..::/64), whose child listens there on `ports`, and
    /// whose [firewall] is `firewall`.
    func binding(_ name: String, kernel: String, address: String, address6: String? = nil, ports: [Int],
                 firewall: String) throws {
        let listen = ([address] + (address6.map { [$0] } ?? [])).joined(separator: ",")
        let command = (["/usr/bin/python3", directory.path + "/listen.py", listen] + ports.map(String.init))
            .map { "\"\($0)\"" }.joined(separator: ", ")
        let addresses = ["\"\(address)/24\""] + (address6.map { ["\"\($0)/64\""] } ?? [])
        try directory.write("bindings/\(name).toml", """
            [match]
            subsystem = "net"
            kernel = "\(kernel)"
            [link]
            addresses = [\(addresses.joined(separator: ", "))]
            [exec]
            command = [\(command)]
            [firewall]
            \(firewall)
            """)
    }

    /// A binding file as written.
    func bindingFile(_ name: String, _ text: String) throws {
        try directory.write("bindings/\(name).toml", text)
    }

    /// `hotplugd ARGS` against this daemon, inside the host namespace.
    func hotplugd(_ arguments: String...) throws -> Shell.Output {
        try host.run([HotplugdBinary.path] + arguments + ["--socket", directory.path + "/control.sock"])
    }

    /// `binary`: the path the daemon is started from (a re-exec runs the file there).
    func start(logLevel: String = "info", binary: String = HotplugdBinary.path, _ extra: [String] = []) throws {
        let process = try RunningProcess(host.exec + [
            "/usr/bin/env", "HOTPLUGD_LOG_LEVEL=\(logLevel)", binary, "run", "--source", "kernel", "--config", directory.path + "/bindings",
            "--socket", directory.path + "/control.sock"] + DaemonFixture.leaveUdevRulesAlone(extra) + extra)
        daemon = process
        guard process.waitForLine(timeout: 20, stderr: true, { $0.contains("ready:") }) != nil else {
            throw TestFailure("daemon did not become ready: \(process.errorOutput.joined(separator: "\n"))")
        }
    }

    /// A veth pair: `name` in the host namespace (where hotplugd sees it
    /// appear), the peer in the client namespace with `clientAddress`.
    /// Returns the host side's ifindex.
    @discardableResult
    func plug(_ name: String, clientAddress: String, clientAddress6: String? = nil) throws -> Int32 {
        let peer = VethPair.uniqueName(prefix: "c")
        var result = try host.run("/sbin/ip", "link", "add", name, "type", "veth", "peer", "name", peer, "netns", client.name)
        guard result.status == 0 else { throw TestFailure("ip link add \(name): \(result.stderr)") }
        result = try client.run("/sbin/ip", "addr", "add", clientAddress + "/24", "dev", peer)
        guard result.status == 0 else { throw TestFailure("ip addr add: \(result.stderr)") }
        if let clientAddress6 {
            // nodad: usable at once, as hotplugd adds its own IPv6 addresses.
            try client.run("/sbin/ip", "addr", "add", clientAddress6 + "/64", "dev", peer, "nodad")
        }
        try client.run("/sbin/ip", "link", "set", peer, "up")
        return try ifindex(name)
    }

    func ifindex(_ name: String) throws -> Int32 {
        let text = try host.run("/bin/cat", "/sys/class/net/\(name)/ifindex").stdout
        guard let index = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestFailure("no ifindex for \(name)")
        }
        return index
    }

    func unplug(_ name: String) throws {
        try host.run("/sbin/ip", "link", "del", name)
    }

    /// Whether a TCP connection from the client namespace to `address:port`
    /// gets the listener's greeting within `timeout` seconds.
    func connects(to address: String, port: Int, timeout: Double = 1) throws -> Bool {
        let script = "import socket,sys\ns=socket.create_connection((sys.argv[1],int(sys.argv[2])),timeout=float(sys.argv[3]))\nprint(s.recv(16).decode().strip())"
        let result = try client.run("/usr/bin/python3", "-c", script, address, String(port), String(timeout))
        return result.status == 0 && result.stdout.contains("hello")
    }

    /// Whether an ICMP (or ICMPv6) echo request from the client namespace
    /// to `address` is answered within `timeout` seconds (no `ping` needed).
    func pings(_ address: String, timeout: Double = 0.5) throws -> Bool {
        let script = """
            import socket, struct, sys, time
            v6 = ":" in sys.argv[1]
            s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_RAW,
                              socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
            s.settimeout(float(sys.argv[2]))
            def checksum(b):
                total = sum(struct.unpack("!%dH" % (len(b) // 2), b))
                total = (total >> 16) + (total & 0xffff)
                return ~(total + (total >> 16)) & 0xffff
            header = struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, 0x4850, 1) + b"hotplugd"
            if not v6:
                header = header[:2] + struct.pack("!H", checksum(header)) + header[4:]
            s.sendto(header, (sys.argv[1], 0))
            deadline = time.time() + float(sys.argv[2])
            while time.time() < deadline:
                data = s.recv(1500)
                reply = data if v6 else data[(data[0] & 0x0f) * 4:]
                if reply[0] == (129 if v6 else 0) and reply[4:6] == b"\\x48\\x50":
                    print("reply"); sys.exit(0)
            sys.exit(1)
            """
        let result = try client.run("/usr/bin/python3", "-c", script, address, String(timeout))
        return result.status == 0 && result.stdout.contains("reply")
    }

    /// `nft list table inet hotplugd` in the host namespace; nil when absent.
    func table() throws -> String? {
        let result = try host.run("/usr/sbin/nft", "list", "table", "inet", "hotplugd")
        return result.status == 0 ? result.stdout : nil
    }

    func chainExists(_ chain: String) throws -> Bool {
        try host.run("/usr/sbin/nft", "list", "chain", "inet", "hotplugd", chain).status == 0
    }

    /// The chain a direction's map sends the device to (`in-game`, or
    /// `if7-in` where several bindings restrict it); nil when the device
    /// has no element there (or the table is gone). By ifindex: nft lists
    /// the element under the interface's current name.
    func mapTarget(_ ifindex: Int32, map: String = "input-devices") throws -> String? {
        let result = try host.run("/usr/sbin/nft", "get", "element", "inet", "hotplugd", map, "{ \" \(ifindex)\" }")
        guard result.status == 0, let jump = result.stdout.range(of: ": jump ") else { return nil }
        return String(result.stdout[jump.upperBound...].prefix { !$0.isWhitespace })
    }

    /// How many daemon log lines contain `text`.
    func logCount(_ text: String) -> Int {
        (daemon?.errorOutput ?? []).filter { $0.contains(text) }.count
    }

    /// Waits for the `count`-th log line containing every part.
    @discardableResult
    func waitForLog(_ parts: String..., count: Int = 1, timeout: TimeInterval = 15) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (daemon?.errorOutput ?? []).filter({ line in parts.allSatisfy(line.contains) }).count >= count { return true }
            usleep(10_000)
        }
        return false
    }

    func signal(_ number: Int32) {
        if let pid = daemon?.process.processIdentifier { kill(pid, number) }
    }

    func stopDaemon() -> Int32? {
        guard let process = daemon?.process else { return nil }
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    func killDaemon() {
        guard let process = daemon?.process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func cleanUp() {
        killDaemon()
        host.delete()
        client.delete()
    }

    deinit { cleanUp() }
}
