import Glibc

/// The claim of one daemon on the nftables table `inet hotplugd` of its
/// network namespace. There is one such table per namespace, so two daemons
/// there would take each other's rules away (each rebuild drops what the
/// other wrote) while both look healthy: the second refuses instead.
///
/// The claim is an flock(2) on a file named after the network namespace
/// (its nsfs device and inode, the same for every process in it), in the
/// daemon's own verified state directory (`RecordLocation`): the kernel
/// drops the lock with the process, so a crashed daemon, zombie or not,
/// holds nothing, and nobody but root can create or lock the file, so no
/// other user can squat on it. The holder's pid is written into the file,
/// for the refusal's sentence.
final class FirewallTableLock {
    private let file: FileDescriptor

    private init(file: consuming FileDescriptor) { self.file = file }

    /// The claim a previous image of this daemon held (re-exec): the same
    /// open file, so the same lock; flock(2) on it again only confirms it.
    static func adopting(_ file: consuming FileDescriptor) -> FirewallTableLock? {
        var result: Int32
        repeat { result = flock(file.rawValue, LOCK_EX | LOCK_NB) } while result != 0 && errno == EINTR
        guard result == 0 else { return nil }
        return FirewallTableLock(file: file)
    }

    /// For the re-exec state only: the number that crosses the exec.
    var descriptorNumber: Int32 { file.rawValue }

    struct Refusal: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    /// The network namespace's name for the lock: `net-DEV-INODE`.
    static func namespaceKey() -> String? {
        var info = stat()
        guard stat("/proc/self/ns/net", &info) == 0 else { return nil }
        return "net-\(info.st_dev)-\(info.st_ino)"
    }

    static func acquire(locations: [RecordLocation] = RecordLocation.defaults()) throws(Refusal) -> FirewallTableLock {
        guard let key = namespaceKey() else {
            throw Refusal(description: "cannot tell which network namespace this is (/proc/self/ns/net: \(errnoText())), so cannot make sure no other hotplugd owns its nftables table inet hotplugd; not touching it")
        }
        var refusals: [String] = []
        for location in locations {
            let directory: VerifiedDirectory
            do throws(DirectoryRefusal) {
                directory = try VerifiedDirectory.open(location.path, creatingWith: location.mode)
                    .subdirectory("firewall", creatingWith: 0o700)
            } catch {
                refusals.append(error.description)
                continue
            }
            return try lock(key, in: directory)
        }
        throw Refusal(description: "no safe directory for the lock on the nftables table inet hotplugd (\(refusals.joined(separator: "; "))), so cannot make sure no other hotplugd owns it; not touching it")
    }

    private static func lock(_ key: String, in directory: VerifiedDirectory) throws(Refusal) -> FirewallTableLock {
        let place = "\(directory.path)/\(key)"
        guard let file = FileDescriptor(adopting: openat(directory.descriptor.rawValue, key,
                                                         O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o600)) else {
            throw Refusal(description: "cannot open the lock on the nftables table inet hotplugd, \(place): \(errnoText())")
        }
        var info = stat()
        guard fstat(file.rawValue, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_uid == geteuid() else {
            throw Refusal(description: "\(place) is not a regular file of ours; remove it")
        }
        var result: Int32
        repeat { result = flock(file.rawValue, LOCK_EX | LOCK_NB) } while result != 0 && errno == EINTR
        guard result == 0 else {
            let code = errno
            guard code == EWOULDBLOCK else {
                throw Refusal(description: "cannot lock \(place): \(errnoText(code))")
            }
            let holder = readHolder(file).map { "hotplugd (pid \($0))" } ?? "hotplugd"
            throw Refusal(description: "another \(holder) already owns the nftables table inet hotplugd of this network namespace (it holds \(place)); two would take each other's rules away, so this one does not start: stop the other, or run this one in another network namespace")
        }
        var pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(file.rawValue, 0)
        _ = pid.withUnsafeMutableBytes { pwrite(file.rawValue, $0.baseAddress, $0.count, 0) }
        return FirewallTableLock(file: file)
    }

    private static func readHolder(_ file: borrowing FileDescriptor) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 16)
        let count = bytes.withUnsafeMutableBytes { pread(file.rawValue, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return String(decoding: bytes[..<count], as: UTF8.self).split(separator: "\n").first.flatMap { Int32($0) }
    }
}
