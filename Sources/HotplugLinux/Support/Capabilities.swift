import Glibc

/// The process's effective capabilities, read from /proc/self/status
/// (no libcap needed for one bit).
public enum Capabilities {
    public enum Capability: Int {
        case kill = 5, setgid = 6, setuid = 7, networkAdmin = 12
    }

    public static func effective(_ capability: Capability) -> Bool {
        guard let status = SystemFiles.readSmall("/proc/self/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
              let mask = UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: " \t"), radix: 16) else {
            return geteuid() == 0
        }
        return mask & (1 << UInt64(capability.rawValue)) != 0
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
