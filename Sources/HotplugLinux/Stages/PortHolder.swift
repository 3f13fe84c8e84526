import Glibc
import HotplugCore

/// Who holds a port another program took: found through /proc, so a
/// "port in use" failure names the program (pid and command) instead of
/// leaving the administrator to run `ss -p`. Bounded: the socket tables'
/// lines and the processes looked at are capped, and nothing is read that
/// could block.
enum PortHolder {
    static let maximumProcesses = 8192

    /// "pid 1234 (python3)", or nil when no holder can be found (another
    /// namespace's, a socket being closed, a table too large to read).
    static func describe(_ socket: ListenSocket) -> String? {
        let tables = socket.kind == .stream ? ["/proc/net/tcp", "/proc/net/tcp6"] : ["/proc/net/udp", "/proc/net/udp6"]
        var inodes = Set<String>()
        for table in tables {
            _ = SystemFiles.anyLine(of: table) { line in
                if let inode = inode(line, port: socket.address.port, stream: socket.kind == .stream) { inodes.insert(inode) }
                return false
            }
        }
        guard !inodes.isEmpty else { return nil }
        let targets = Set(inodes.map { "socket:[\($0)]" })
        for pid in (SystemFiles.entries(of: "/proc") ?? []).lazy.filter({ Int32($0) != nil }).prefix(maximumProcesses) {
            for fd in SystemFiles.entries(of: "/proc/\(pid)/fd") ?? [] where targets.contains(link("/proc/\(pid)/fd/\(fd)")) {
                let command = SystemFiles.readSmall("/proc/\(pid)/comm")?.split(separator: "\n").first.map(String.init) ?? "?"
                return "pid \(pid) (\(Printable.escaped(command)))"
            }
        }
        return nil
    }

    /// The inode of a /proc/net table line's socket bound to `port` (a
    /// listening one, for streams); nil for every other line.
    static func inode(_ line: Substring, port: UInt16, stream: Bool) -> String? {
        let fields = line.split(separator: " ")
        guard fields.count > 9, let colon = fields[1].lastIndex(of: ":"),
              UInt16(fields[1][fields[1].index(after: colon)...], radix: 16) == port else { return nil }
        // 0A is TCP_LISTEN; 07 (TCP_CLOSE) is how a bound datagram socket shows.
        guard fields[3] == (stream ? "0A" : "07"), fields[9] != "0" else { return nil }
        return String(fields[9])
    }

    private static func link(_ path: String) -> String {
        SystemFiles.linkTarget(path, limit: 63).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
