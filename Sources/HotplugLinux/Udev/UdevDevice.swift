import CUdev
import HotplugCore

/// Owns one reference to a `struct udev_device *` and drops it in deinit.
/// Parents are never handed out: libudev lends them with the child's
/// lifetime, so walking the chain happens inside this type.
public final class UdevDevice {
    private let pointer: OpaquePointer

    /// Takes over a reference the caller owns (from a `_new_` or `receive` call).
    init(adopting pointer: OpaquePointer) { self.pointer = pointer }

    deinit { udev_device_unref(pointer) }

    public var syspath: String { udevString(udev_device_get_syspath(pointer)) ?? "" }
    public var devpath: String { udevString(udev_device_get_devpath(pointer)) ?? "" }
    public var subsystem: String? { udevString(udev_device_get_subsystem(pointer)) }
    public var devtype: String? { udevString(udev_device_get_devtype(pointer)) }
    public var sysname: String { udevString(udev_device_get_sysname(pointer)) ?? "" }
    public var devnode: String? { udevString(udev_device_get_devnode(pointer)) }
    public var driver: String? { udevString(udev_device_get_driver(pointer)) }
    /// The event's action (`add`, `remove`, ...), for devices from a monitor.
    public var action: String? { udevString(udev_device_get_action(pointer)) }
    public var sequenceNumber: UInt64 { UInt64(udev_device_get_seqnum(pointer)) }
    /// udevd has run its rules on this device (always false without udevd).
    public var isInitialized: Bool { udev_device_get_is_initialized(pointer) > 0 }

    public func property(_ key: String) -> String? {
        udevString(udev_device_get_property_value(pointer, key))
    }

    public var properties: [String: String] { propertiesCheckingEncoding().valid }

    /// The properties whose names and values are valid UTF-8, and the names
    /// of those that are not (device strings are hostile: nothing is passed
    /// on silently altered).
    func propertiesCheckingEncoding() -> (valid: [String: String], dropped: [String]) {
        var result: [String: String] = [:]
        var dropped: [String] = []
        var entry = udev_device_get_properties_list_entry(pointer)
        while let current = entry {
            entry = udev_list_entry_get_next(current)
            guard let rawName = udev_list_entry_get_name(current) else { continue }
            guard let name = String(validatingCString: rawName) else {
                dropped.append(String(cString: rawName))
                continue
            }
            guard let rawValue = udev_list_entry_get_value(current) else {
                result[name] = ""
                continue
            }
            guard let value = String(validatingCString: rawValue) else {
                dropped.append(name)
                continue
            }
            result[name] = value
        }
        return (result, dropped.sorted())
    }

    public var tags: Set<String> {
        var result = Set<String>()
        var entry = udev_device_get_tags_list_entry(pointer)
        while let current = entry {
            if let name = udevString(udev_list_entry_get_name(current)) { result.insert(name) }
            entry = udev_list_entry_get_next(current)
        }
        return result
    }

    public func attribute(_ name: String) -> String? {
        Self.attribute(of: pointer, name)
    }

    /// The facts matching needs, read now and kept: the device, its udev
    /// properties and tags, and from sysfs only what `needs` names: the
    /// parent chain up to the root (libudev opens each parent), drivers, and
    /// the named attributes of the device and of each ancestor read.
    public func facts(needs: FactNeeds) -> DeviceFacts {
        let attributeNames = needs.attributeNames
        var ancestors: [AncestorFacts] = []
        var parent = needs.ancestors ? udev_device_get_parent(pointer) : nil
        while let current = parent, ancestors.count < 64 {
            ancestors.append(AncestorFacts(
                syspath: udevString(udev_device_get_syspath(current)) ?? "",
                subsystem: udevString(udev_device_get_subsystem(current)),
                devtype: udevString(udev_device_get_devtype(current)),
                sysname: udevString(udev_device_get_sysname(current)) ?? "",
                driver: needs.driver ? udevString(udev_device_get_driver(current)) : nil,
                attributes: Self.attributes(of: current, attributeNames)))
            parent = udev_device_get_parent(current)
        }
        let (properties, dropped) = propertiesCheckingEncoding()
        let ifindex = properties["IFINDEX"].flatMap { Int32($0) } ?? attribute("ifindex").flatMap { Int32($0) }
        var facts = DeviceFacts(
            syspath: syspath, devpath: devpath, subsystem: subsystem ?? "", devtype: devtype,
            sysname: sysname, devnode: devnode, driver: needs.driver ? driver : nil, properties: properties, tags: tags,
            attributes: Self.attributes(of: pointer, attributeNames), ancestors: ancestors,
            ifindex: subsystem == "net" ? ifindex : nil)
        facts.droppedProperties = dropped
        // The devpath as bytes too: its text escapes what is not UTF-8, and
        // identity is kept on the bytes.
        if let raw = udev_device_get_devpath(pointer) { facts.setDevpath(bytes: udevBytes(raw)) }
        return facts
    }

    private static func attributes(of device: OpaquePointer, _ names: Set<String>) -> [String: String] {
        var result: [String: String] = [:]
        for name in names {
            if let value = attribute(of: device, name) { result[name] = value }
        }
        return result
    }

    /// sysfs values end in a newline libudev already strips; values are
    /// bounded by the kernel's page size, so no further limit is needed.
    private static func attribute(of device: OpaquePointer, _ name: String) -> String? {
        udevString(udev_device_get_sysattr_value(device, name))
    }
}
