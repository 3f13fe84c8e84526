/// A move event is believed only as far as the kernel agrees: udev's move
/// for its own rename (usb0 to enu1i1, Debian 13's predictable names) can
/// reach us after our rename (enu1i1 to gamelink0) is done, and taken at its
/// word it would send the interface's name back to a name it no longer has.
public enum StaleMove {
    /// The move's facts with the name the kernel gives the interface now
    /// (`currentName`, looked up by its ifindex): the devpath's last part,
    /// the sysname and INTERFACE. Unchanged when they agree, or when the
    /// kernel's name is unknown (the device is gone: its remove follows).
    public static func corrected(_ facts: DeviceFacts, currentName: String?) -> DeviceFacts {
        guard facts.subsystem == "net", let currentName, !currentName.isEmpty,
              facts.interfaceName != currentName || facts.sysname != currentName else { return facts }
        var fixed = facts
        fixed.devpath = replacingLastComponent(facts.devpath, with: currentName)
        fixed.syspath = replacingLastComponent(facts.syspath, with: currentName)
        fixed.sysname = currentName
        fixed.properties["INTERFACE"] = currentName
        return fixed
    }

    /// Whether the move named the interface otherwise than the kernel does now.
    public static func isStale(_ facts: DeviceFacts, currentName: String?) -> Bool {
        corrected(facts, currentName: currentName) != facts
    }

    static func replacingLastComponent(_ path: String, with name: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return name }
        return String(path[...slash]) + name
    }
}
