import Glibc
import HotplugCore

/// What is left of a child's process group once the child itself is gone:
/// a daemon it started in the background keeps the group (and so the
/// group's number, which the kernel does not hand out while any member
/// lives) after the leader has been reaped.
enum ProcessGroup {
    /// Whether any live process still belongs to group `id`. Reads /proc,
    /// field 5 (pgrp) of each process's stat.
    static func hasMembers(_ group: ProcessID) -> Bool {
        let id = group.rawValue
        // One system call answers for the usual case, an empty group, on
        // every child's exit; only a group with someone in it (perhaps just
        // a zombie) is worth reading /proc for.
        guard id > 1, kill(-id, 0) == 0 || errno == EPERM else { return false }
        guard let names = SystemFiles.entries(of: "/proc") else { return false }
        for name in names {
            guard let pid = Int32(name), pid > 1,
                  let stat = SystemFiles.readSmall("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { continue }
            // After ")": state, ppid, pgrp. A zombie is no member: it can
            // do nothing more, and where PID 1 is slow to reap the orphans
            // (a container's init) it would keep the group "alive".
            let fields = stat[stat.index(after: close)...].split(separator: " ", maxSplits: 4)
            if fields.count > 2, Int32(fields[2]) == id, fields[0] != "Z", fields[0] != "X" { return true }
        }
        return false
    }

    /// Signals the leftovers of a reaped child's group. Only while the
    /// leader's pid is unused: a process that holds it now is not ours, and
    /// while any member of our group lives the kernel gives that number to
    /// no new process, so a group of that number is still ours.
    static func signalLeftovers(_ group: ProcessID, _ signal: Int32) -> Bool {
        let id = group.rawValue
        guard id > 1, kill(id, 0) != 0, errno == ESRCH, hasMembers(group) else { return false }
        return kill(-id, signal) == 0
    }
}
