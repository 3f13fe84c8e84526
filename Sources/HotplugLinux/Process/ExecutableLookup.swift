import Glibc

/// PATH search done in the parent, so the child only needs a plain execve()
/// (execvpe would allocate and walk PATH after fork, which is not safe in a
/// threaded process).
enum ExecutableLookup {
    /// Used when the request's environment has no PATH (Debian's default
    /// for root, including the sbin directories where system helpers live).
    static let defaultSearchPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// A program containing "/" is returned unchanged and execve() reports
    /// whether it exists. A bare name is looked up in the PATH given in the
    /// child's environment, not the daemon's.
    static func resolve(_ program: String, environment: [String]) throws(SpawnError) -> String {
        if program.isEmpty {
            throw SpawnError(stage: .resolve, errno: ENOENT, detail: "resolve empty program name")
        }
        if program.contains("/") { return program }

        let searchPath = environment.first(where: { $0.hasPrefix("PATH=") }).map { String($0.dropFirst(5)) }
            ?? defaultSearchPath
        var sawNonExecutable = false
        // Empty PATH entries (meaning ".") are skipped on purpose: running
        // whatever sits in the daemon's working directory is never wanted.
        for directory in searchPath.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = directory.hasSuffix("/") ? "\(directory)\(program)" : "\(directory)/\(program)"
            var info = stat()
            guard stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            if info.st_mode & 0o111 != 0 { return candidate }
            sawNonExecutable = true
        }
        throw SpawnError(stage: .resolve, errno: sawNonExecutable ? EACCES : ENOENT,
                         detail: "resolve \(program) in PATH=\(searchPath)")
    }
}
