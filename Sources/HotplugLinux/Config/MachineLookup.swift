import Glibc
import HotplugCore

/// Answers `ConfigWarnings` about this machine the way a spawn would find
/// out: the same credential resolution, the same exec permission test.
public struct MachineLookup: MachineFacts {
    public init() {}

    public func executableProblem(_ program: String, searchPath: String) -> String? {
        guard program.hasPrefix("/") else {
            do {
                _ = try ExecutableLookup.resolve(program, environment: ["PATH=" + searchPath])
                return nil
            } catch {
                return "'\(program)' is not found in the child's PATH (\(searchPath))"
            }
        }
        let path = program
        var info = stat()
        guard stat(path, &info) == 0 else { return "'\(path)': \(errnoText())" }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return "'\(path)' is not a regular file" }
        guard access(path, X_OK) == 0 else { return "'\(path)' is not executable" }
        return nil
    }

    public func directoryProblem(_ directory: String) -> String? {
        var info = stat()
        guard stat(directory, &info) == 0 else { return "working directory '\(directory)': \(errnoText())" }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return "working directory '\(directory)' is not a directory" }
        return nil
    }

    public var argumentLimit: Int {
        let limit = sysconf(Int32(_SC_ARG_MAX))
        // sysconf cannot fail for this name on Linux; the 2 MiB of an 8 MiB stack otherwise.
        return limit > 0 ? limit : 2 << 20
    }

    public func credentialsProblem(user: String?, group: String?) -> (key: String, reason: String)? {
        do {
            _ = try SpawnCredentials.resolve(user: user, group: group)
            return nil
        } catch {
            return (error.stage == .group ? "group" : "user", error.description)
        }
    }
}
