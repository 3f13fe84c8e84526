import Glibc

/// An advisory lock (flock(2)) on the bindings a daemon runs, so a second
/// `hotplugd run` on the same configuration refuses to start instead of
/// renaming and starting children for the same devices as the first.
///
/// A directory is locked exclusively. A single file is locked exclusively
/// and its directory shared: daemons on two files of one directory may run
/// side by side, but not one on the directory and one on a file in it. The
/// lock is on the file itself, not on a name under /run, so every path to
/// it (a symlink, `dir/` and `dir`) finds it; the kernel drops it with the
/// process, so a crashed daemon leaves nothing behind.
public final class ConfigLock {
    private let target: FileDescriptor
    private let directory: FileDescriptor?

    private init(target: consuming FileDescriptor, directory: consuming FileDescriptor?) {
        self.target = target
        self.directory = directory
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public static func acquire(_ path: String) throws(Failure) -> ConfigLock {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw Failure(description: "cannot lock the configuration \(path): \(errnoText())")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            return ConfigLock(target: try lock(path, exclusive: true), directory: nil)
        }
        let target = try lock(path, exclusive: true)
        let directory = try lock(ConfigFiles.containingDirectory(path), exclusive: false)
        return ConfigLock(target: target, directory: directory)
    }

    private static func lock(_ path: String, exclusive: Bool) throws(Failure) -> FileDescriptor {
        // O_NONBLOCK: opening never waits (a FIFO); close-on-exec: children
        // must not hold the lock after the daemon is gone.
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY)
        } catch {
            throw Failure(description: "cannot lock the configuration \(path): \(errnoText(error.errno))")
        }
        var result: Int32
        repeat {
            result = flock(descriptor.rawValue, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB)
        } while result != 0 && errno == EINTR
        if result != 0 {
            let code = errno
            if code == EWOULDBLOCK {
                throw Failure(description: "another hotplugd is already running on the configuration \(realPath(path)) (it holds a lock on it); two would rename and start children for the same devices, so this one does not start")
            }
            throw Failure(description: "cannot lock the configuration \(path): \(errnoText(code))")
        }
        return descriptor
    }

    private static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
