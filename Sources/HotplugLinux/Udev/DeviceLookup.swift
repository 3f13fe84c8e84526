import CUdev
import Glibc

/// Finds one present device from what a user types: an interface name, a
/// /sys path or a devpath.
public enum DeviceLookup {
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case notFound(String)
        case invalid(String)

        public var description: String {
            switch self {
            case .notFound(let name): "no such device: '\(name)' (give an interface name, a /sys/... path or a devpath)"
            case .invalid(let reason): reason
            }
        }
    }

    public static func find(_ name: String, in context: UdevContext) throws(Failure) -> UdevDevice {
        let syspath: String
        if name.hasPrefix("/sys/") {
            syspath = name
        } else if name.hasPrefix("/devices/") || name.hasPrefix("/class/") || name.hasPrefix("/bus/") {
            syspath = "/sys" + name
        } else {
            guard !name.isEmpty, name.utf8.count <= 15, !name.contains("/"), name != ".", name != ".." else {
                throw .invalid("'\(name)' is neither an interface name nor a /sys path or devpath")
            }
            syspath = "/sys/class/net/" + name
        }
        if syspath.split(separator: "/").contains("..") {
            throw .invalid("'\(name)': a device path may not contain '..'")
        }
        guard let pointer = udev_device_new_from_syspath(context.pointer, syspath) else { throw .notFound(name) }
        return UdevDevice(adopting: pointer)
    }
}
