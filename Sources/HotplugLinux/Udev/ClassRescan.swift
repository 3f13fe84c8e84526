import CUdev
import Glibc
import HotplugCore

/// A re-enumeration of class subsystems (`/sys/class/SUBSYSTEM`) that reads
/// only the entries that can change what `Supervisor.reconcile` does, and
/// so gives it the same outcome as libudev's scan of every entry (an
/// sd_device for each, ~25 system calls apiece, with a veth's peer and `lo`
/// among them: 0.2 ms a device inside a re-exec's pause).
///
/// What reconcile does with each present device: one with a tracked
/// identity, or a tracked ifindex, keeps that device; one with a tracked
/// devpath but another ifindex replaces it; any other is matched, and
/// matches nothing unless a binding can want its subsystem and name. So an
/// entry need be read only when its name is wanted, or is a tracked
/// device's name, or is the kernel's name now for a tracked ifindex (a
/// device renamed by someone else since it was tracked). A tracked device
/// found where it was, as it was (the entry's link and `ifindex` say so,
/// four system calls), is given back with its kept facts: reconcile keeps
/// a known device as it is and reads none of the new ones' facts.
enum ClassRescan {
    typealias Entry = RescannedDevice<UdevDevice>

    /// The entries of `subsystems`' class directories reconcile must see,
    /// sorted by syspath as libudev sorts. `initializedOnly` (the udev
    /// source) leaves out new devices udevd has not finished with, as
    /// libudev's `udev_enumerate_add_match_is_initialized` does; they
    /// arrive as events. Nil, for libudev's scan instead, when a subsystem
    /// has no class directory (a bus), is also a bus, or a name is not UTF-8.
    static func present(_ context: UdevContext, subsystems: Set<String>, initializedOnly: Bool,
                        tracked: [(identity: DeviceIdentity, facts: DeviceFacts)],
                        wanted: (_ subsystem: String, _ sysname: String) -> Bool,
                        kernelName: (_ ifindex: Int32) -> String?) -> [Entry]? {
        guard !subsystems.isEmpty else { return nil }
        // By subsystem and name: the tracked device whose kept facts can be
        // handed back if the entry is still it. A device whose facts say
        // another identity than it is tracked by is only read again.
        var probed: [String: [String: (identity: DeviceIdentity, facts: DeviceFacts)]] = [:]
        var readAgain: [String: Set<String>] = [:]
        for device in tracked where subsystems.contains(device.facts.subsystem) {
            guard let name = lastComponent(device.identity.devpath) else { continue }
            if device.facts.identity == device.identity {
                probed[device.facts.subsystem, default: [:]][name] = device
            } else {
                readAgain[device.facts.subsystem, default: []].insert(name)
            }
        }
        var entries: [Entry] = []
        var foundIndexes = Set<Int32>()
        var read = Set<String>()
        for subsystem in subsystems.sorted() {
            guard let directory = UdevEnumerator.classDirectory(of: subsystem),
                  let names = SystemFiles.entries(of: directory, strictUTF8: true) else { return nil }
            let probedHere = probed[subsystem] ?? [:]
            let readHere = readAgain[subsystem] ?? []
            for name in names {
                if let device = probedHere[name], isStill(device.identity, at: directory + "/" + name) {
                    entries.append(.unchanged(device.facts))
                    if let index = device.identity.ifindex { foundIndexes.insert(index) }
                    continue
                }
                guard probedHere[name] != nil || readHere.contains(name) || wanted(subsystem, name) else { continue }
                read.insert(directory + "/" + name)
                guard let device = UdevEnumerator.classEntryDevice(context, directory: directory, name: name, subsystem: subsystem,
                                                                  initializedOnly: initializedOnly) else { continue }
                if let index = ifindex(of: device) { foundIndexes.insert(index) }
                entries.append(.device(device))
            }
        }
        // A tracked interface renamed to a name neither tracked nor wanted:
        // found by its ifindex, whose name the kernel gives now (after the
        // listing, so a rename in between is seen), read whatever udevd's
        // state (reconcile reads only its identity).
        if subsystems.contains("net") {
            for device in tracked where device.facts.subsystem == "net" {
                guard let index = device.identity.ifindex, !foundIndexes.contains(index),
                      let name = kernelName(index), !name.isEmpty, !name.contains("/"), name != ".", name != "..",
                      !read.contains("/sys/class/net/" + name) else { continue }
                read.insert("/sys/class/net/" + name)
                guard let found = UdevEnumerator.classEntryDevice(context, directory: "/sys/class/net", name: name, subsystem: "net",
                                                                 initializedOnly: false) else { continue }
                if let index = ifindex(of: found) { foundIndexes.insert(index) }
                entries.append(.device(found))
            }
        }
        entries.sort { $0.syspath.utf8.lexicographicallyPrecedes($1.syspath.utf8) }
        return entries
    }

    /// Whether the entry `path` (`/sys/class/SUBSYSTEM/NAME`) is still the
    /// device of `identity`: its link leads to the same devpath and, for a
    /// net device, its `ifindex` is the same (a device removed and added
    /// again under the name in the gap is another).
    static func isStill(_ identity: DeviceIdentity, at path: String) -> Bool {
        guard let target = SystemFiles.linkTarget(path), let directory = path.utf8.lastIndex(of: UInt8(ascii: "/")),
              devpath(ofLink: target, in: Array(path.utf8[..<directory])) == identity.devpath else { return false }
        guard let index = identity.ifindex else { return true }
        guard let text = SystemFiles.readSmall(path + "/ifindex") else { return false }
        return Int32(text.prefix { $0 != "\n" }) == index
    }

    /// The devpath (below /sys) a class entry's link leads to, resolved
    /// lexically: sysfs's class links point straight into /sys/devices,
    /// whose path has no links of its own. Nil for anything else.
    static func devpath(ofLink target: [UInt8], in directory: [UInt8]) -> [UInt8]? {
        let slash = UInt8(ascii: "/")
        var components = target.first == slash ? [] : directory.split(separator: slash).map(Array.init)
        for part in target.split(separator: slash) {
            if part.elementsEqual("..".utf8) {
                guard !components.isEmpty else { return nil }
                components.removeLast()
            } else if !part.elementsEqual(".".utf8) {
                components.append(Array(part))
            }
        }
        guard components.count > 2, components[0].elementsEqual("sys".utf8), components[1].elementsEqual("devices".utf8) else {
            return nil
        }
        return components.dropFirst().flatMap { [slash] + $0 }
    }

    /// The last component of a devpath, for the class entry's name.
    static func lastComponent(_ devpath: [UInt8]) -> String? {
        guard let slash = devpath.lastIndex(of: UInt8(ascii: "/")), slash + 1 < devpath.count else { return nil }
        return String(validating: devpath[(slash + 1)...], as: UTF8.self)
    }


    private static func ifindex(of device: UdevDevice) -> Int32? {
        device.subsystem == "net" ? device.property("IFINDEX").flatMap { Int32($0) } : nil
    }
}

/// One entry of a re-enumeration that reads only what can change the
/// reconcile (`ClassRescan`; a monitor's `rescan`).
enum RescannedDevice<Device> {
    /// A tracked device found under its own name and identity.
    case unchanged(DeviceFacts)
    /// A device to read: new, replacing, or tracked under another name.
    case device(Device)
}

extension RescannedDevice where Device == UdevDevice {
    var syspath: String {
        switch self {
        case .unchanged(let facts): facts.syspath
        case .device(let device): device.syspath
        }
    }
}
