import Foundation

/// Runs a program without a shell and returns its exit status and output.
public enum Shell {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Starts `argv` without a shell: stdin /dev/null, stdout and stderr to
    /// the returned pipes.
    static func start(_ process: Process, _ argv: [String], environment: [String: String]?) throws -> (out: Pipe, err: Pipe) {
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (out, err)
    }

    @discardableResult
    public static func run(_ argv: [String], environment: [String: String]? = nil) throws -> Output {
        let process = Process()
        let (out, err) = try start(process, argv, environment: environment)
        // Read both pipes before waiting, so a chatty child cannot block on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// `ip` from iproute2, for creating and deleting test devices.
    @discardableResult
    public static func ip(_ arguments: String...) throws -> Output {
        try run(["/sbin/ip"] + arguments)
    }
}
