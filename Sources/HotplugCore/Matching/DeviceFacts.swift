/// What hotplugd knows about one device, read once when it appears and kept:
/// on remove the sysfs tree is already half gone, so nothing is read again.
/// The Linux layer fills it from libudev; tests build it by hand.
public struct DeviceFacts: Sendable, Equatable {
    public var syspath: String
    public var devpath: String
    public var subsystem: String
    public var devtype: String?
    /// The kernel's name for the device (`usb0`, `ttyUSB0`); for net devices
    /// the interface name at the time the facts were read.
    public var sysname: String
    public var devnode: String?
    public var driver: String?
    /// udev properties (`ID_VENDOR_ID`, `ID_NET_DRIVER`, ...).
    public var properties: [String: String]
    public var tags: Set<String>
    /// The sysfs attributes the bindings ask for, where the device has them.
    public var attributes: [String: String]
    /// Parents, nearest first, up to the root: the chain udev's ATTRS and
    /// DRIVERS walk.
    public var ancestors: [AncestorFacts]
    /// Network interface index, for net devices: with the devpath it is the
    /// device's identity across renames.
    public var ifindex: Int32?
    /// udev properties left out because their values are not valid UTF-8:
    /// they are dropped, and logged, rather than passed on altered.
    public var droppedProperties: [String] = []

    public init(
        syspath: String, devpath: String, subsystem: String, devtype: String? = nil,
        sysname: String, devnode: String? = nil, driver: String? = nil,
        properties: [String: String] = [:], tags: Set<String> = [],
        attributes: [String: String] = [:], ancestors: [AncestorFacts] = [], ifindex: Int32? = nil
    ) {
        self.syspath = syspath
        self.devpath = devpath
        self.subsystem = subsystem
        self.devtype = devtype
        self.sysname = sysname
        self.devnode = devnode
        self.driver = driver
        self.properties = properties
        self.tags = tags
        self.attributes = attributes
        self.ancestors = ancestors
        self.ifindex = ifindex
    }

    /// The device itself followed by its ancestors, as one chain.
    public var chain: [AncestorFacts] {
        [AncestorFacts(syspath: syspath, subsystem: subsystem, devtype: devtype, sysname: sysname,
                       driver: driver, attributes: attributes)] + ancestors
    }

    /// The nearest `usb_device` in the chain: the one whose idVendor,
    /// idProduct and serial the `usb-*` keys mean.
    public var nearestUSBDevice: AncestorFacts? {
        chain.first { $0.subsystem == "usb" && $0.devtype == "usb_device" }
    }

    /// The interface name: udev's INTERFACE where present, else the sysname.
    public var interfaceName: String? {
        guard subsystem == "net" else { return nil }
        return properties["INTERFACE"] ?? sysname
    }
}

/// One link of the parent chain, with just what matching needs.
public struct AncestorFacts: Sendable, Equatable {
    public var syspath: String
    public var subsystem: String?
    public var devtype: String?
    public var sysname: String
    public var driver: String?
    public var attributes: [String: String]

    public init(syspath: String, subsystem: String?, devtype: String? = nil, sysname: String,
                driver: String? = nil, attributes: [String: String] = [:]) {
        self.syspath = syspath
        self.subsystem = subsystem
        self.devtype = devtype
        self.sysname = sysname
        self.driver = driver
        self.attributes = attributes
    }
}
