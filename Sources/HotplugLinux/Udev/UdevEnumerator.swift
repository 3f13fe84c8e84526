import CUdev
import Glibc

/// Lists the devices present now, through a `udev_enumerate` it owns for the
/// duration of one scan.
public enum UdevEnumerator {
    /// Devices in `subsystems` (all when nil). With `initializedOnly`, only
    /// those udevd has finished with: the rest will arrive as monitor events.
    /// With `wanted`, a device whose subsystem and name it refuses may be
    /// left out before any object is made for it (see `classDevices`).
    public static func devices(_ context: UdevContext, subsystems: Set<String>?, tag: String? = nil,
                               initializedOnly: Bool = false,
                               wanted: ((_ subsystem: String, _ sysname: String) -> Bool)? = nil) throws(UdevError) -> [UdevDevice] {
        if let wanted, tag == nil, !initializedOnly, let subsystems,
           let devices = classDevices(context, subsystems: subsystems, wanted: wanted) {
            return devices
        }
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

    /// `/sys/class/SUBSYSTEM`, where the subsystem's devices are all listed
    /// there: nil when it is also a bus (`/sys/bus/SUBSYSTEM`, as `mei` and
    /// `nd` are), whose devices libudev's scan finds there too.
    static func classDirectory(of subsystem: String) -> String? {
        guard !subsystem.isEmpty, !subsystem.contains("/"), subsystem != ".", subsystem != "..",
              access("/sys/bus/" + subsystem, F_OK) != 0 else { return nil }
        return "/sys/class/" + subsystem
    }

    /// The devices of class subsystems, listed from `/sys/class/SUBSYSTEM`
    /// with a device object made only for the names `wanted` accepts; in
    /// syspath order, as libudev sorts its own scan. libudev's scan makes
    /// an object for every entry (resolving its path a component at a time,
    /// some 25 system calls) and the caller then makes another: for 1000
    /// veth pairs, 2001 entries, that was 0.36 ms a wanted device before the
    /// first spawn. Nil, for libudev's scan instead, when a subsystem has no
    /// class directory (a bus), is also a bus, or a name is not UTF-8.
    static func classDevices(_ context: UdevContext, subsystems: Set<String>,
                             wanted: (_ subsystem: String, _ sysname: String) -> Bool) -> [UdevDevice]? {
        guard !subsystems.isEmpty else { return nil }
        var devices: [(syspath: String, device: UdevDevice)] = []
        for subsystem in subsystems.sorted() {
            guard let directory = classDirectory(of: subsystem),
                  let names = SystemFiles.entries(of: directory, strictUTF8: true) else { return nil }
            for name in names where wanted(subsystem, name) {
                guard let device = classEntryDevice(context, directory: directory, name: name, subsystem: subsystem,
                                                    initializedOnly: false) else { continue }
                devices.append((device.syspath, device))
            }
        }
        devices.sort { $0.syspath.utf8.lexicographicallyPrecedes($1.syspath.utf8) }
        return devices.map(\.device)
    }

    /// The device of a class entry: nil for an entry that is not one (net's
    /// `bonding_masters`), one gone since the listing, one of another
    /// subsystem (a class directory lists its own only, but the check costs
    /// nothing next to the lookup), and with `initializedOnly` one udevd has
    /// not finished with: as libudev's compatible test, a device with a
    /// device node or an ifindex must have udev's database entry.
    static func classEntryDevice(_ context: UdevContext, directory: String, name: String, subsystem: String,
                                 initializedOnly: Bool) -> UdevDevice? {
        guard let pointer = udev_device_new_from_syspath(context.pointer, directory + "/" + name) else { return nil }
        let device = UdevDevice(adopting: pointer)
        guard device.subsystem == subsystem else { return nil }
        if initializedOnly, !device.isInitialized,
           udev_device_get_devnum(pointer) != 0 || device.property("IFINDEX") != nil {
            return nil
        }
        return device
    }
}
