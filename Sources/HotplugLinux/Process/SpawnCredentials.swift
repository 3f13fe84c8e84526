import Glibc

/// The identity a child switches to before exec, resolved in the parent
/// (the passwd/group lookups use NSS and memory allocation, which the forked
/// child must not do).
struct SpawnCredentials: Equatable {
    var uid: uid_t?
    var gid: gid_t?
    /// Replaces the daemon's supplementary groups (root's must never leak
    /// into a child that runs as someone else).
    var supplementaryGroups: [gid_t]?

    static let unchanged = SpawnCredentials(uid: nil, gid: nil, supplementaryGroups: nil)

    /// - user given: uid and primary gid from passwd (gid overridden by
    ///   `group`), supplementary groups from the group database.
    /// - only group given: gid and supplementary groups become just it.
    static func resolve(user: String?, group: String?) throws(SpawnError) -> SpawnCredentials {
        let explicitGroup = try group.map { name throws(SpawnError) in try lookUpGroup(name) }
        guard let user else {
            guard let explicitGroup else { return .unchanged }
            return SpawnCredentials(uid: nil, gid: explicitGroup, supplementaryGroups: [explicitGroup])
        }
        let account = try lookUpUser(user)
        if let account {
            let gid = explicitGroup ?? account.gid
            let groups = try groupList(forUser: account.name, primaryGroup: gid)
            return SpawnCredentials(uid: account.uid, gid: gid, supplementaryGroups: groups)
        }
        // A numeric uid without a passwd entry: usable only with an explicit
        // group, since there is no primary group to fall back on.
        guard let uid = numericID(user) else {
            throw SpawnError(stage: .user, errno: 0, detail: "user \(user): no such user")
        }
        guard let explicitGroup else {
            throw SpawnError(stage: .user, errno: 0,
                             detail: "user \(user): uid has no passwd entry, so a group must be given")
        }
        return SpawnCredentials(uid: uid, gid: explicitGroup, supplementaryGroups: [explicitGroup])
    }

    private struct Account {
        var name: String
        var uid: uid_t
        var gid: gid_t
    }

    private static func numericID(_ text: String) -> UInt32? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = UInt32(text), value != UInt32.max else { return nil }
        return value
    }

    /// By name first, then by number ("1000"). nil when there is no entry.
    private static func lookUpUser(_ name: String) throws(SpawnError) -> Account? {
        guard !name.utf8.contains(0) else {
            throw SpawnError(stage: .user, errno: 0, detail: "user name contains a NUL byte")
        }
        if let account = try withPasswdLookup(name, { entry, buffer, size, result in
            getpwnam_r(name, entry, buffer, size, result)
        }) {
            return account
        }
        guard let uid = numericID(name) else { return nil }
        return try withPasswdLookup(name) { entry, buffer, size, result in
            getpwuid_r(uid, entry, buffer, size, result)
        }
    }

    private static func withPasswdLookup(
        _ name: String,
        _ call: (UnsafeMutablePointer<passwd>, UnsafeMutablePointer<CChar>, Int,
                 UnsafeMutablePointer<UnsafeMutablePointer<passwd>?>) -> Int32
    ) throws(SpawnError) -> Account? {
        var size = max(sysconf(Int32(_SC_GETPW_R_SIZE_MAX)), 1024)
        while true {
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>? = nil
            var buffer = [CChar](repeating: 0, count: size)
            let status = buffer.withUnsafeMutableBufferPointer { storage -> Int32 in
                guard let base = storage.baseAddress else { return ENOMEM }
                return call(&entry, base, storage.count, &result)
            }
            if status == ERANGE && size < 1 << 20 {
                size *= 2
                continue
            }
            if result == nil {
                // ENOENT/ESRCH/EBADF/EPERM are how some NSS modules say "not found".
                if [0, ENOENT, ESRCH, EBADF, EPERM].contains(status) { return nil }
                throw SpawnError(stage: .user, errno: status, detail: "look up user \(name)")
            }
            // pw_name points into `buffer`, which is still alive here.
            guard let namePointer = entry.pw_name else { return nil }
            return Account(name: String(cString: namePointer), uid: entry.pw_uid, gid: entry.pw_gid)
        }
    }

    /// Group name or numeric gid.
    private static func lookUpGroup(_ name: String) throws(SpawnError) -> gid_t {
        guard !name.utf8.contains(0) else {
            throw SpawnError(stage: .group, errno: 0, detail: "group name contains a NUL byte")
        }
        var size = max(sysconf(Int32(_SC_GETGR_R_SIZE_MAX)), 1024)
        while true {
            var entry = group()
            var result: UnsafeMutablePointer<group>? = nil
            var buffer = [CChar](repeating: 0, count: size)
            let status = buffer.withUnsafeMutableBufferPointer { storage -> Int32 in
                guard let base = storage.baseAddress else { return ENOMEM }
                return getgrnam_r(name, &entry, base, storage.count, &result)
            }
            if status == ERANGE && size < 1 << 24 {
                size *= 2 // groups with many members have large entries
                continue
            }
            if result != nil { return entry.gr_gid }
            if let gid = numericID(name) { return gid }
            if [0, ENOENT, ESRCH, EBADF, EPERM].contains(status) {
                throw SpawnError(stage: .group, errno: 0, detail: "group \(name): no such group")
            }
            throw SpawnError(stage: .group, errno: status, detail: "look up group \(name)")
        }
    }

    /// The user's groups from the group database, always including `primaryGroup`.
    private static func groupList(forUser name: String, primaryGroup: gid_t) throws(SpawnError) -> [gid_t] {
        var capacity: Int32 = 32
        while true {
            var groups = [gid_t](repeating: 0, count: Int(capacity))
            var count = capacity
            let status = groups.withUnsafeMutableBufferPointer { storage -> Int32 in
                getgrouplist(name, primaryGroup, storage.baseAddress, &count)
            }
            if status >= 0 {
                return Array(groups.prefix(Int(max(count, 0))))
            }
            // -1 means "too small" and `count` now holds the size needed.
            guard count > capacity, count <= 65536 else {
                throw SpawnError(stage: .setgroups, errno: EINVAL,
                                 detail: "getgrouplist(\(name)) returned an unusable group count \(count)")
            }
            capacity = count
        }
    }
}
