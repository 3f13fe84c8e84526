/// Who a device is, compared as bytes: its devpath and, for a net device,
/// its ifindex. Two interfaces whose names differ only in bytes that are not
/// UTF-8, or that udev announced at one devpath after a rename it could not
/// do (EEXIST), are two devices because their ifindexes differ.
public struct DeviceIdentity: Sendable, Hashable {
    public var devpath: [UInt8]
    public var ifindex: Int32?

    public init(devpath: [UInt8], ifindex: Int32?) {
        self.devpath = devpath
        self.ifindex = ifindex
    }

    /// The devpath up to its last `/`: for a net device, where it sits,
    /// which a rename leaves as it is.
    var parent: ArraySlice<UInt8> {
        guard let slash = devpath.lastIndex(of: UInt8(ascii: "/")) else { return [] }
        return devpath[..<slash]
    }
}

/// The identities of the devices present, each owned by one tracked device,
/// looked up the three ways events need: exactly, by ifindex (a net
/// device's one name the kernel never reuses while it lives, whatever its
/// devpath says), and by devpath (an event that carries no ifindex).
public struct TrackedIdentities: Sendable {
    private var byIdentity: [DeviceIdentity: DeviceID] = [:]
    private var byIfindex: [Int32: DeviceID] = [:]
    private var byDevpath: [[UInt8]: [DeviceID]] = [:]
    private var identityOf: [DeviceID: DeviceIdentity] = [:]

    public init() {}

    public var isEmpty: Bool { identityOf.isEmpty }
    /// Every tracked device with its identity, by device number.
    public var all: [(identity: DeviceIdentity, device: DeviceID)] {
        identityOf.sorted { $0.key < $1.key }.map { ($0.value, $0.key) }
    }

    public func exact(_ identity: DeviceIdentity) -> DeviceID? { byIdentity[identity] }
    public func device(ifindex: Int32) -> DeviceID? { byIfindex[ifindex] }
    public func devices(atDevpath devpath: [UInt8]) -> [DeviceID] { byDevpath[devpath] ?? [] }
    public func identity(of device: DeviceID) -> DeviceIdentity? { identityOf[device] }

    /// Gives the device this identity, in place of any it had; false (and
    /// nothing changed) when the identity, or its ifindex, is another's.
    @discardableResult
    public mutating func insert(_ identity: DeviceIdentity, for device: DeviceID) -> Bool {
        guard (byIdentity[identity] ?? device) == device,
              (identity.ifindex.flatMap { byIfindex[$0] } ?? device) == device else { return false }
        remove(device)
        byIdentity[identity] = device
        if let index = identity.ifindex { byIfindex[index] = device }
        byDevpath[identity.devpath, default: []].append(device)
        identityOf[device] = identity
        return true
    }

    public mutating func remove(_ device: DeviceID) {
        guard let identity = identityOf.removeValue(forKey: device) else { return }
        byIdentity.removeValue(forKey: identity)
        if let index = identity.ifindex, byIfindex[index] == device { byIfindex.removeValue(forKey: index) }
        byDevpath[identity.devpath]?.removeAll { $0 == device }
        if byDevpath[identity.devpath]?.isEmpty == true { byDevpath.removeValue(forKey: identity.devpath) }
    }
}

extension DeviceFacts {
    /// These facts under the names `tracked` has (devpath, syspath, sysname,
    /// INTERFACE): for a late event from before a rename, whose other facts
    /// still hold but whose names are stale.
    public func named(like tracked: DeviceFacts) -> DeviceFacts {
        var renamed = self
        renamed.syspath = tracked.syspath
        renamed.setDevpath(bytes: tracked.identity.devpath)
        renamed.sysname = tracked.sysname
        if let interface = tracked.properties["INTERFACE"] { renamed.properties["INTERFACE"] = interface }
        return renamed
    }
}
