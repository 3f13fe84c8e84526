import CUdev
import Glibc

/// Lists the devices present now, through a `udev_enumerate` it owns for the
/// duration of one scan.
public enum UdevEnumerator {
    /// Devices in `subsystems` (all when nil). With `initializedOnly`, only
    /// those udevd has finished with: the rest will arrive as monitor events.
    public static func devices(_ context: UdevContext, subsystems: Set<String>?, tag: String? = nil,
                               initializedOnly: Bool = false) throws(UdevError) -> [UdevDevice] {
        guard let enumerate = udev_enumerate_new(context.pointer) else {
            throw UdevError(operation: "udev_enumerate_new", errno: errno)
        }
        defer { udev_enumerate_unref(enumerate) }
        for subsystem in (subsystems ?? []).sorted() {
            udev_enumerate_add_match_subsystem(enumerate, subsystem)
        }
        if let tag { udev_enumerate_add_match_tag(enumerate, tag) }
        if initializedOnly { udev_enumerate_add_match_is_initialized(enumerate) }
        let status = udev_enumerate_scan_devices(enumerate)
        if status < 0 { throw UdevError(operation: "udev_enumerate_scan_devices", errno: -status) }
        var devices: [UdevDevice] = []
        var entry = udev_enumerate_get_list_entry(enumerate)
        while let current = entry {
            // A device can vanish between the scan and this lookup: skip it.
            if let path = udev_list_entry_get_name(current),
               let device = udev_device_new_from_syspath(context.pointer, path) {
                devices.append(UdevDevice(adopting: device))
            }
            entry = udev_list_entry_get_next(current)
        }
        return devices
    }
}
