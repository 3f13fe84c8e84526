import Foundation

/// The `hotplugd` executable SwiftPM built next to the test bundle.
public enum HotplugdBinary {
    public static var path: String {
        let candidates: [String?] = [
            Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("hotplugd").path,
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hotplugd").path,
            repositoryRoot + "/.build/debug/hotplugd",
        ]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) } ?? repositoryRoot + "/.build/debug/hotplugd"
    }

    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    public static func run(_ arguments: String...) throws -> Shell.Output {
        try Shell.run([path] + arguments)
    }
}

/// A scratch directory removed when the value goes away.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init(prefix: String = "hotplugd-test") throws {
        let template = NSTemporaryDirectory() + "/\(prefix).XXXXXX"
        var bytes = Array(template.utf8CString)
        guard mkdtemp(&bytes) != nil else { throw TestFailure("mkdtemp failed") }
        path = String(cString: bytes)
    }

    public func write(_ name: String, _ text: String) throws {
        try text.write(toFile: path + "/" + name, atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
