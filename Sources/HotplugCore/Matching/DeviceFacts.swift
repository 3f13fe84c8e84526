/// What hotplugd knows about one device, read once when it appears and kept:
/// on remove the sysfs tree is already half gone, so nothing is read again.
/// The Linux layer fills it from libudev; tests build it by hand.
///
/// The fields live in one shared, immutable object (`DeviceFacts.Record`),
/// so that a copy is one retain: facts are passed and kept by value all
/// over, and as a struct of a dozen references each copy retained and
/// released every one of them, mostly on memory nothing else was reading.
/// Setting a field (rare: a rename, the dropped properties) makes a new
/// record; reading one borrows it in place.
public struct DeviceFacts: Sendable, Equatable {
    private var record: Record

    public init(
        syspath: String, devpath: String, subsystem: String, devtype: String? = nil,
        sysname: String, devnode: String? = nil, driver: String? = nil,
        properties: [String: String] = [:], tags: Set<String> = [],
        attributes: [String: String] = [:], ancestors: [AncestorFacts] = [], ifindex: Int32? = nil
    ) {
        record = Record(Fields(subsystem: subsystem, properties: properties, attributes: attributes, ancestors: ancestors,
                               sysname: sysname, devtype: devtype, driver: driver, tags: tags, syspath: syspath,
                               devpath: devpath, devnode: devnode, ifindex: ifindex))
    }

    public static func == (lhs: DeviceFacts, rhs: DeviceFacts) -> Bool {
        lhs.record === rhs.record || lhs.record.fields == rhs.record.fields
    }

    public var syspath: String {
        get { record.fields.syspath }
        set { update { $0.syspath = newValue } }
    }
    public var devpath: String {
        get { record.fields.devpath }
        set {
            update {
                $0.devpath = newValue
                $0.rawDevpath = nil
            }
        }
    }
    public var subsystem: String {
        get { record.fields.subsystem }
        set { update { $0.subsystem = newValue } }
    }
    public var devtype: String? {
        get { record.fields.devtype }
        set { update { $0.devtype = newValue } }
    }
    /// The kernel's name for the device (`usb0`, `ttyUSB0`); for net devices
    /// the interface name at the time the facts were read.
    public var sysname: String {
        get { record.fields.sysname }
        set { update { $0.sysname = newValue } }
    }
    public var devnode: String? {
        get { record.fields.devnode }
        set { update { $0.devnode = newValue } }
    }
    public var driver: String? {
        get { record.fields.driver }
        set { update { $0.driver = newValue } }
    }
    /// udev properties (`ID_VENDOR_ID`, `ID_NET_DRIVER`, ...).
    public var properties: [String: String] {
        get { record.fields.properties }
        set { update { $0.properties = newValue } }
    }
    public var tags: Set<String> {
        get { record.fields.tags }
        set { update { $0.tags = newValue } }
    }
    /// The sysfs attributes the bindings ask for, where the device has them.
    public var attributes: [String: String] {
        get { record.fields.attributes }
        set { update { $0.attributes = newValue } }
    }
    /// Parents, nearest first, up to the root: the chain udev's ATTRS and
    /// DRIVERS walk.
    public var ancestors: [AncestorFacts] {
        get { record.fields.ancestors }
        set { update { $0.ancestors = newValue } }
    }
    /// Network interface index, for net devices: with the devpath it is the
    /// device's identity across renames.
    public var ifindex: Int32? {
        get { record.fields.ifindex }
        set { update { $0.ifindex = newValue } }
    }
    /// The devpath's bytes where they are not valid UTF-8 (`devpath` is then
    /// their `\xNN`-escaped text); nil when `devpath` is the bytes.
    public var rawDevpath: [UInt8]? {
        get { record.fields.rawDevpath }
        set { update { $0.rawDevpath = newValue } }
    }
    /// Who the device is: its devpath as bytes and its ifindex.
    public var identity: DeviceIdentity {
        DeviceIdentity(devpath: rawDevpath ?? Array(devpath.utf8), ifindex: ifindex)
    }
    /// Sets the devpath from its bytes, as text and, when not UTF-8, as bytes.
    public mutating func setDevpath<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        let (text, raw) = DeviceText.decode(bytes)
        update {
            $0.devpath = text
            $0.rawDevpath = raw
        }
    }
    /// udev properties left out because their values are not valid UTF-8:
    /// they are dropped, and logged, rather than passed on altered.
    public var droppedProperties: [String] {
        get { record.fields.droppedProperties }
        set { update { $0.droppedProperties = newValue } }
    }

    private mutating func update(_ change: (inout Fields) -> Void) {
        var fields = record.fields
        change(&fields)
        record = Record(fields)
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

extension DeviceFacts {
    /// The fields, as the struct of them DeviceFacts used to be; those
    /// matching reads first, so that they share the record's first lines.
    fileprivate struct Fields: Sendable, Equatable {
        var subsystem: String
        var properties: [String: String]
        var attributes: [String: String]
        var ancestors: [AncestorFacts]
        var sysname: String
        var devtype: String?
        var driver: String?
        var tags: Set<String>
        var syspath: String
        var devpath: String
        var devnode: String?
        var ifindex: Int32?
        var droppedProperties: [String] = []
        var rawDevpath: [UInt8]?
    }

    /// Immutable, hence shared freely and read without retaining its fields.
    fileprivate final class Record: Sendable {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }
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
