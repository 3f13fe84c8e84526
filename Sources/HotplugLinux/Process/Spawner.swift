import CHotplugSpawn
import Glibc

/// Starts child processes with a clean slate: own session and process group,
/// stdin from /dev/null, stdout/stderr to pipes, requested user/groups,
/// default signal dispositions, empty signal mask and no inherited
/// descriptors. Failures anywhere up to and including execve() are returned
/// as `SpawnError` with the errno of the failing call.
public enum Spawner {
    public static func spawn(_ request: SpawnRequest) throws(SpawnError) -> ChildProcess {
        try spawn(request, passing: [], names: "")
    }

    /// With `sockets`, the child gets them as systemd's socket activation
    /// passes them: at fd 3 onwards without close-on-exec, LISTEN_FDS,
    /// LISTEN_FDNAMES (`names`, one per socket, ':'-separated) and
    /// LISTEN_PID, the child's own pid. Any LISTEN_* in the request's
    /// environment is dropped: it would describe descriptors it does not have.
    static func spawn(_ request: SpawnRequest, passing sockets: [ListeningSocket], names: String) throws(SpawnError) -> ChildProcess {
        var request = request
        request.environment.removeAll { entry in Self.activationPrefixes.contains { entry.hasPrefix($0) } }
        if !sockets.isEmpty {
            request.environment += ["LISTEN_FDS=\(sockets.count)", "LISTEN_FDNAMES=\(names)",
                                    Self.listenPIDPrefix + String(repeating: " ", count: 20)]
        }
        try validate(request)
        let path = try ExecutableLookup.resolve(request.argv[0], environment: request.environment)
        if let directory = request.workingDirectory, directory.utf8.contains(0) {
            throw SpawnError(stage: .chdir, errno: 0, detail: "working directory contains a NUL byte")
        }
        let credentials = try SpawnCredentials.resolve(user: request.user, group: request.group)

        // Everything the child touches is laid out here, before fork().
        let argv = CStringArray(request.argv)
        let environment = CStringArray(request.environment)
        let pathStrings = CStringArray([path] + (request.workingDirectory.map { [$0] } ?? []))
        let groups = credentials.supplementaryGroups ?? []
        let descriptors = sockets.map { $0.descriptor.rawValue }

        var result = hotplug_spawn_result()
        let status = groups.withUnsafeBufferPointer { groupBuffer -> Int32 in
            var options = hotplug_spawn_options()
            options.path = UnsafePointer(pathStrings.pointers[0])
            options.working_directory = request.workingDirectory == nil ? nil : UnsafePointer(pathStrings.pointers[1])
            options.argv = UnsafePointer(argv.pointers)
            options.envp = UnsafePointer(environment.pointers)
            options.change_groups = credentials.supplementaryGroups == nil ? 0 : 1
            options.groups = groupBuffer.baseAddress
            options.group_count = groupBuffer.count
            options.change_gid = credentials.gid == nil ? 0 : 1
            options.gid = credentials.gid ?? 0
            options.change_uid = credentials.uid == nil ? 0 : 1
            options.uid = credentials.uid ?? 0
            return descriptors.withUnsafeBufferPointer { listenBuffer in
                options.listen_fds = listenBuffer.baseAddress
                options.listen_count = listenBuffer.count
                options.listen_pid_entry = sockets.isEmpty ? nil : environment.pointers[request.environment.count - 1]
                return hotplug_spawn(&options, &result)
            }
        }
        withExtendedLifetime(sockets) {}
        // Keep the C strings alive until hotplug_spawn has returned (the
        // child has exec'd or failed by then).
        withExtendedLifetime((argv, environment, pathStrings)) {}

        guard status == 0 else {
            throw describeFailure(result, path: path, request: request, credentials: credentials)
        }
        // The descriptors are adopted here, where the system call handed them
        // over; from now on only their owners close them.
        return ChildProcess(pid: result.pid, pidfd: FileDescriptor(adopting: result.pidfd),
                            standardOutput: FileDescriptor(adopting: result.stdout_fd),
                            standardError: FileDescriptor(adopting: result.stderr_fd),
                            startTick: result.start_tick == 0 ? nil : UInt64(result.start_tick))
    }

    /// Whole prefixes, made once: this filter runs over the whole
    /// environment before every spawn.
    static let activationPrefixes = ["LISTEN_FDS=", "LISTEN_PID=", "LISTEN_FDNAMES="]
    static let listenPIDPrefix = "LISTEN_PID="

    /// argv and environment come from device data: reject what execve()
    /// would silently truncate (embedded NUL) and oversized input.
    private static func validate(_ request: SpawnRequest) throws(SpawnError) {
        guard !request.argv.isEmpty else {
            throw SpawnError(stage: .arguments, errno: 0, detail: "argv is empty")
        }
        var totalBytes = 0
        for argument in request.argv {
            if argument.utf8.contains(0) {
                throw SpawnError(stage: .arguments, errno: 0, detail: "argument contains a NUL byte")
            }
            totalBytes += argument.utf8.count + 1 + MemoryLayout<UnsafePointer<CChar>>.size
        }
        for entry in request.environment {
            if entry.utf8.contains(0) {
                throw SpawnError(stage: .arguments, errno: 0, detail: "environment entry contains a NUL byte")
            }
            totalBytes += entry.utf8.count + 1 + MemoryLayout<UnsafePointer<CChar>>.size
        }
        if totalBytes > SpawnRequest.maximumArgumentBytes {
            throw SpawnError(stage: .arguments, errno: E2BIG,
                             detail: "argv and environment need \(totalBytes) bytes, limit is \(SpawnRequest.maximumArgumentBytes)")
        }
    }

    private static func describeFailure(_ result: hotplug_spawn_result, path: String, request: SpawnRequest,
                                        credentials: SpawnCredentials) -> SpawnError {
        let error = result.failed_errno
        switch UInt32(bitPattern: result.failed_stage) {
        case HOTPLUG_SPAWN_STAGE_PIPE.rawValue:
            return SpawnError(stage: .pipe, errno: error, detail: "pipe2")
        case HOTPLUG_SPAWN_STAGE_OPEN_NULL.rawValue:
            return SpawnError(stage: .stdin, errno: error, detail: "open /dev/null")
        case HOTPLUG_SPAWN_STAGE_FORK.rawValue:
            return SpawnError(stage: .fork, errno: error, detail: "fork")
        case HOTPLUG_SPAWN_STAGE_SETSID.rawValue:
            return SpawnError(stage: .session, errno: error, detail: "setsid")
        case HOTPLUG_SPAWN_STAGE_REDIRECT.rawValue:
            return SpawnError(stage: .redirect, errno: error, detail: "dup2 onto stdin/stdout/stderr")
        case HOTPLUG_SPAWN_STAGE_SETGROUPS.rawValue:
            let list = (credentials.supplementaryGroups ?? []).map(String.init).joined(separator: ",")
            return SpawnError(stage: .setgroups, errno: error, detail: "setgroups(\(list))")
        case HOTPLUG_SPAWN_STAGE_SETGID.rawValue:
            return SpawnError(stage: .setgid, errno: error, detail: "setgid(\(credentials.gid.map(String.init) ?? "?"))")
        case HOTPLUG_SPAWN_STAGE_SETUID.rawValue:
            return SpawnError(stage: .setuid, errno: error, detail: "setuid(\(credentials.uid.map(String.init) ?? "?"))")
        case HOTPLUG_SPAWN_STAGE_CHDIR.rawValue:
            return SpawnError(stage: .chdir, errno: error, detail: "chdir \(request.workingDirectory ?? "")")
        case HOTPLUG_SPAWN_STAGE_SIGNALS.rawValue:
            return SpawnError(stage: .signals, errno: error, detail: "reset signal mask")
        case HOTPLUG_SPAWN_STAGE_LISTEN_FDS.rawValue:
            return SpawnError(stage: .redirect, errno: error, detail: "placing the [listen] sockets at fd 3 onwards")
        case HOTPLUG_SPAWN_STAGE_DESCRIPTORS.rawValue:
            return SpawnError(stage: .descriptors, errno: error, detail: "a descriptor table of the child's own")
        case HOTPLUG_SPAWN_STAGE_EXEC.rawValue:
            return SpawnError(stage: .exec, errno: error, detail: "exec \(path)")
        default:
            return SpawnError(stage: .report, errno: error,
                              detail: "child reported an unknown failure stage \(result.failed_stage)")
        }
    }
}

/// NUL-terminated copies of strings plus the NULL-terminated pointer array
/// execve() expects, in memory that stays put while the child uses it.
final class CStringArray {
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let storage: UnsafeMutableRawPointer
    private let count: Int

    init(_ strings: [String]) {
        count = strings.count
        let totalBytes = strings.reduce(0) { $0 + $1.utf8.count + 1 }
        storage = UnsafeMutableRawPointer.allocate(byteCount: max(totalBytes, 1), alignment: 1)
        pointers = .allocate(capacity: strings.count + 1)
        var offset = 0
        for (index, string) in strings.enumerated() {
            let start = storage + offset
            var string = string
            let length = string.withUTF8 { bytes in
                if let base = bytes.baseAddress { start.copyMemory(from: base, byteCount: bytes.count) }
                return bytes.count
            }
            start.storeBytes(of: 0, toByteOffset: length, as: UInt8.self)
            pointers[index] = start.assumingMemoryBound(to: CChar.self)
            offset += length + 1
        }
        pointers[strings.count] = nil
    }

    deinit {
        pointers.deallocate()
        storage.deallocate()
    }
}
