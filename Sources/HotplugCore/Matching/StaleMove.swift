/// A net event's names are believed only as far as the kernel agrees: udev's
/// move for its own rename (usb0 to enu1i1, Debian 13's predictable names)
/// can reach us after our rename (enu1i1 to gamelink0) is done, a late add
/// or change still carries the devpath from before it, and udev announces a
/// device whose rename failed (EEXIST) at the name it could not give it.
/// Taken at their word they would send the interface's name back to a name
/// it no longer has, or give one device another's devpath.
public enum StaleMove {
    /// The facts with the name the kernel gives the interface now
    /// (`kernelName`, its bytes, looked up by the ifindex): the devpath's
    /// last part, the syspath's, the sysname and INTERFACE. Unchanged when
    /// they agree, or when the kernel's name is unknown (the device is gone:
    /// its remove follows).
    public static func corrected<Name: Collection>(_ facts: DeviceFacts, kernelName: Name?) -> DeviceFacts
    where Name.Element == UInt8 {
        guard facts.subsystem == "net", let kernelName, !kernelName.isEmpty else { return facts }
        let name = DeviceText.decode(kernelName).text
        let devpath = facts.identity.devpath
        let devpathName = devpath.lastIndex(of: UInt8(ascii: "/")).map { devpath[($0 + 1)...] } ?? devpath[...]
        guard !devpathName.elementsEqual(kernelName) || facts.interfaceName != name || facts.sysname != name else {
            return facts
        }
        var fixed = facts
        let parent = devpath.lastIndex(of: UInt8(ascii: "/")).map { devpath[...$0] } ?? []
        fixed.setDevpath(bytes: Array(parent) + Array(kernelName))
        fixed.syspath = replacingLastComponent(facts.syspath, with: name)
        fixed.sysname = name
        fixed.properties["INTERFACE"] = name
        return fixed
    }

    public static func corrected(_ facts: DeviceFacts, currentName: String?) -> DeviceFacts {
        corrected(facts, kernelName: currentName.map { Array($0.utf8) })
    }

    /// Whether the event named the interface otherwise than the kernel does now.
    public static func isStale(_ facts: DeviceFacts, currentName: String?) -> Bool {
        corrected(facts, currentName: currentName) != facts
    }

    public static func isStale<Name: Collection>(_ facts: DeviceFacts, kernelName: Name?) -> Bool
    where Name.Element == UInt8 {
        corrected(facts, kernelName: kernelName) != facts
    }

    static func replacingLastComponent(_ path: String, with name: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return name }
        return String(path[...slash]) + name
    }
}
