import CHotplugSocket
import Glibc

/// Asks the kernel to announce an interface's addresses on its link as soon
/// as they are usable: `arp_notify` (a gratuitous ARP for every IPv4 address
/// when the link comes up) and `ndisc_notify` (an unsolicited neighbour
/// advertisement for every IPv6 address when its DAD completes). A far side
/// that asked for our address before it existed is otherwise left waiting
/// for its own next ARP or neighbour solicitation, a second later.
///
/// The kernel sends on each up, once per address, never on a timer, so a
/// link that flaps sends one announcement per flap and no more.
///
/// Best effort: where `/proc/sys` is read-only (a container) or the
/// interface has no IPv6 (disabled), the link is configured without; the
/// far side then learns our address when it next asks.
public enum NeighbourAnnouncement {
    /// Sets the announcements for `interface`, IPv4 and IPv6 as asked;
    /// returns the reasons of the ones that could not be set.
    @discardableResult
    static func enable(interface: String, ipv4: Bool, ipv6: Bool) -> [String] {
        var failures: [String] = []
        if ipv4, let failure = setOne("arp_notify", in: "/proc/sys/net/ipv4/conf", interface: interface) {
            failures.append(failure)
        }
        if ipv6, let failure = setOne("ndisc_notify", in: "/proc/sys/net/ipv6/conf", interface: interface) {
            failures.append(failure)
        }
        return failures
    }

    /// The name comes from the kernel, but is compared as bytes all the
    /// same: one path component, never `.` or `..`, no NUL.
    public static func isPlainName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        return !bytes.isEmpty && bytes.count <= 15 && bytes != [0x2e] && bytes != [0x2e, 0x2e]
            && !bytes.contains(0x2f) && !bytes.contains(0)
    }

    /// Writes "1" to `directory/interface/setting`, each step opened
    /// relative to the last with O_NOFOLLOW, the directory checked to be
    /// procfs on its descriptor. Nil when written, else why not.
    private static func setOne(_ setting: String, in directory: String, interface: String) -> String? {
        let target = "\(directory)/\(interface)/\(setting)"
        guard isPlainName(interface) else { return "\(target): not a plain interface name" }
        guard let conf = FileDescriptor(adopting: Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) else {
            return "\(directory): \(errnoText())"
        }
        // procfs, so that something mounted over it cannot take root's write.
        guard hotplug_is_procfs(conf.rawValue) == 1 else { return "\(directory): not procfs" }
        guard let perInterface = FileDescriptor(adopting: openat(conf.rawValue, interface,
                                                                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) else {
            return "\(directory)/\(interface): \(errnoText())"
        }
        guard let file = FileDescriptor(adopting: openat(perInterface.rawValue, setting, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)) else {
            return "\(target): \(errnoText())"
        }
        let one: [UInt8] = [0x31, 0x0a]
        let written = one.withUnsafeBytes { Glibc.write(file.rawValue, $0.baseAddress, $0.count) }
        return written == one.count ? nil : "\(target): \(errnoText())"
    }
}
