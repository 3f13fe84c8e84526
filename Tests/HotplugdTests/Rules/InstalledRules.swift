import Foundation
import TestSupport

/// A udev rules file in /run/udev/rules.d, which udevd reads besides
/// /etc/udev/rules.d and its own, for the length of one test. The name keeps
/// the position (`80-`) and adds a random part, so tests never touch each
/// other's or anyone's files; `remove()` (also run on deinit) deletes it and
/// has udevd reload, on every exit path.
final class InstalledRules: @unchecked Sendable {
    static let directory = "/run/udev/rules.d"
    let path: String
    private var removed = false

    /// `position` is the rule file's number, e.g. "80".
    init(position: String, name: String, text: String) throws {
        try FileManager.default.createDirectory(atPath: Self.directory, withIntermediateDirectories: true)
        let random = String(UInt32.random(in: 0..<UInt32.max), radix: 16)
        path = "\(Self.directory)/\(position)-\(name)-test-\(random).rules"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try Self.reload()
    }

    func remove() {
        guard !removed else { return }
        removed = true
        try? FileManager.default.removeItem(atPath: path)
        try? Self.reload()
    }

    deinit { remove() }

    static func reload() throws {
        let result = try Shell.run(["/bin/udevadm", "control", "--reload"])
        guard result.status == 0 else { throw TestFailure("udevadm control --reload: \(result.stderr)") }
    }
}

/// What udevd knows of a network interface once it finished its events.
enum UdevState {
    static func settle() throws {
        try Shell.run(["/bin/udevadm", "settle", "--timeout=10"])
    }

    /// The interface's udev tags (TAGS), empty when udevd has no record of it.
    static func tags(ofInterface name: String) throws -> Set<String> {
        let result = try Shell.run(["/bin/udevadm", "info", "--query=property", "--path=/sys/class/net/\(name)"])
        guard result.status == 0 else { return [] }
        let line = result.stdout.split(separator: "\n").first { $0.hasPrefix("TAGS=") } ?? ""
        return Set(line.dropFirst("TAGS=".count).split(separator: ":").map(String.init))
    }

    static func interfaceExists(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: "/sys/class/net/\(name)")
    }
}
