import CHotplugReexec
import Glibc
import HotplugCore

/// The system-level steps of a re-exec: judging the new binary's answer to
/// `reexec-probe` (`ReexecProbe` asks, while the old image still runs and
/// can carry on), and the execve() itself.
public enum ReexecExec {
    public static let stateVariable = "HOTPLUGD_REEXEC_STATE"
    public static let replyVariable = "HOTPLUGD_REEXEC_REPLY"
    /// Every descriptor number kept across the exec for the new image.
    public static let descriptorsVariable = "HOTPLUGD_REEXEC_DESCRIPTORS"
    static var variables: [String] { [stateVariable, replyVariable, descriptorsVariable] }
    /// The probe's one line: `hotplugd-reexec-state LOWEST HIGHEST`.
    public static var probeLine: String {
        "\(ReexecState.format) \(ReexecState.acceptedVersions.lowerBound) \(ReexecState.acceptedVersions.upperBound)"
    }
    /// What a finished probe's exit status and output say: nil when the
    /// binary reads `ReexecState.version`, else why not, in words for the
    /// requester. (`ReexecProbe` runs it while the loop goes on.)
    static func verdict(path: String, status: Int32, output: String) -> String? {
        guard status == 0 else {
            return "\(path) reexec-probe failed (\(status > 0 ? "exit \(status)" : "killed by signal \(-status)")): it cannot take the state over"
        }
        let words = output.split(separator: " ")
        guard words.count == 3, words[0] == ReexecState.format, let low = Int64(words[1]), let high = Int64(words[2]) else {
            return "\(path) reexec-probe answered '\(Printable.escaped(String(output.prefix(80))))', not a state format it reads"
        }
        guard (low...max(low, high)).contains(ReexecState.version) else {
            return "\(path) reads state versions \(low)...\(high), not \(ReexecState.version)"
        }
        return nil
    }

    /// execve() with the same arguments and environment, plus where the
    /// state and the requester's connection are. Returns only on failure,
    /// with the errno.
    static func exec(_ path: String, arguments: [String], state: Int32, reply: Int32?, handed: [Int32]) -> Int32 {
        var environment: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if !variables.contains(where: { text.hasPrefix($0 + "=") }) { environment.append(text) }
            cursor += 1
        }
        environment.append("\(stateVariable)=\(state)")
        if let reply { environment.append("\(replyVariable)=\(reply)") }
        environment.append("\(descriptorsVariable)=\(handed.map(String.init).joined(separator: ","))")
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        execve(path, &argv, &envp)
        return errno
    }

    /// Where the daemon was started from, for the re-exec to run the file
    /// now at that path (after an upgrade, the new one; /proc/self/exe would
    /// still be the old, deleted file).
    public static func startedFrom(_ argument0: String) -> String? {
        if argument0.contains("/") { return AbsolutePath.anchored(argument0) }
        let path = getenv("PATH").map { "PATH=" + String(cString: $0) }
        return try? ExecutableLookup.resolve(argument0, environment: path.map { [$0] } ?? [])
    }
}

extension String {
    var trimmingNewlines: String {
        var text = Substring(self)
        while text.last == "\n" || text.last == "\r" { text = text.dropLast() }
        return String(text)
    }
}
