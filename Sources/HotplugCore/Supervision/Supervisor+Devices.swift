/// Devices coming, changing, moving and going.
///
/// Identity is (devpath, ifindex), compared as bytes (`DeviceIdentity`).
/// An event is for a tracked device when both agree; or when its ifindex is
/// that of a live tracked device at the same place (the devpath differs in
/// the interface's name only): a late event from before a rename, which is
/// not bound again and does not rename the device back (names change by
/// moves, checked against the kernel). The same devpath with another
/// ifindex is another device: the tracked one is gone (its remove was
/// missed) and is torn down, unless udev says the rename that gave the new
/// one this devpath failed (two devices at one devpath, both present).
extension Supervisor {
    /// How an add or change event relates to the devices tracked.
    enum Recognition: Equatable {
        /// The device itself, as tracked.
        case tracked(DeviceID)
        /// A tracked device, under a devpath it no longer (or never) had.
        case underStaleDevpath(DeviceID)
        /// A new device where a tracked one was: that one is gone.
        case replacing(DeviceID)
        case new
    }

    func recognize(_ facts: DeviceFacts) -> Recognition {
        let identity = facts.identity
        if let id = identities.exact(identity) { return .tracked(id) }
        if let index = facts.ifindex, let id = identities.device(ifindex: index),
           let tracked = identities.identity(of: id) {
            return tracked.parent == identity.parent ? .underStaleDevpath(id) : .replacing(id)
        }
        let sharing = identities.devices(atDevpath: identity.devpath)
        guard let first = sharing.first else { return .new }
        // Without an ifindex the devpath is all there is to go by.
        if facts.ifindex == nil { return .tracked(first) }
        if Self.renameFailed(facts) { return .new }
        return .replacing(first)
    }

    /// udev announces a device at the name its rules gave it even when the
    /// rename failed (EEXIST: two kernel names it sanitised to one): the
    /// devpath is then another device's.
    static func renameFailed(_ facts: DeviceFacts) -> Bool {
        facts.properties["UDEV_WORKER_FAILED"] == "1"
    }

    mutating func deviceAdded(_ facts: DeviceFacts) {
        guard !isShuttingDown else { return }
        switch recognize(facts) {
        case .tracked, .underStaleDevpath:
            // The same device seen twice (coldplug racing its add event, or
            // a late add from before a rename): not bound again.
            deviceChanged(facts)
            return
        case .replacing(let old):
            log(.info, "a new device (ifindex \(facts.ifindex.map(String.init) ?? "none")) where this one was; it is gone", device: old)
            removeDevice(old)
        case .new:
            break
        }
        let matching = matchingBindings(facts)
        metrics.matched()
        guard !matching.isEmpty else { return }
        let id = DeviceID(nextDeviceNumber)
        nextDeviceNumber += 1
        var device = TrackedDevice(id: id, facts: facts, interface: facts.interfaceName)
        device.linkOwner = matching.first { $0.link != nil }?.name
        devices[id] = device
        identities.insert(facts.identity, for: id)
        for binding in matching { begin(AttachmentID(binding: binding.name, device: id), settle: binding.settle) }
    }

    mutating func deviceChanged(_ event: DeviceFacts) {
        guard !isShuttingDown else { return }
        var facts = event
        let id: DeviceID
        switch recognize(event) {
        case .tracked(let known):
            id = known
        case .underStaleDevpath(let known):
            id = known
            guard let tracked = devices[known] else { return }
            log(.info, "a late event under the old devpath \(Printable.escaped(event.devpath)); kept as \(tracked.label)", device: known)
            facts = event.named(like: tracked.facts)
        case .replacing, .new:
            deviceAdded(event)
            return
        }
        guard var device = devices[id], !device.isGone else { return }
        device.facts = facts
        devices[id] = device
        let matching = matchingBindings(facts)
        metrics.matched()
        let names = Set(matching.map(\.name))
        for attachmentID in attachmentIDs(of: id) where !names.contains(attachmentID.binding) {
            log(.info, "no longer matches after the change; unbinding", attachmentID)
            tearDown(attachmentID, then: .forget)
        }
        if devices[id]?.linkOwner == nil { devices[id]?.linkOwner = matching.first { $0.link != nil }?.name }
        for binding in matching { keepRunning(AttachmentID(binding: binding.name, device: id)) }
        forgetIfUnused(id)
    }

    /// The binding matches the device: start its attachment if there is none;
    /// if it is being torn down to be dropped (an earlier change unbound
    /// it), set it up again once that is done instead; if a stage or a
    /// worker failed, try it again.
    mutating func keepRunning(_ id: AttachmentID) {
        guard let attachment = attachments[id] else {
            begin(id, settle: .zero)
            return
        }
        if let teardown = attachment.teardown {
            if teardown.then == .forget { attachments[id]?.teardown?.then = .setUpAgain }
        } else {
            retryFailures(id)
        }
    }

    mutating func deviceMoved(_ facts: DeviceFacts) {
        let old = facts.properties["DEVPATH_OLD"]
        // By ifindex first: a net device's devpath before the move may be
        // one several devices were announced at.
        let id = facts.ifindex.flatMap { identities.device(ifindex: $0) }
            ?? old.flatMap { identities.devices(atDevpath: Array($0.utf8)).first }
            ?? identities.exact(facts.identity)
        guard let id, var device = devices[id] else {
            deviceAdded(facts)
            return
        }
        let previous = device.label
        device.facts.syspath = facts.syspath
        device.facts.setDevpath(bytes: facts.identity.devpath)
        device.facts.sysname = facts.sysname
        if let interface = facts.interfaceName {
            device.interface = interface
            device.facts.properties["INTERFACE"] = interface
        }
        devices[id] = device
        if !identities.insert(device.facts.identity, for: id) {
            log(.warning, "moved to \(Printable.escaped(facts.devpath)), which another device holds", device: id)
        }
        if previous != device.label {
            log(.info, "\(previous) is now \(device.label)", device: id)
        }
    }

    /// A remove names its device by ifindex where it has one (the devpath
    /// may be one udev announced for two devices), else by devpath.
    mutating func deviceRemoved(devpath: String, ifindex: Int32?) {
        let id: DeviceID?
        if let ifindex {
            id = identities.device(ifindex: ifindex)
        } else {
            let sharing = identities.devices(atDevpath: Array(devpath.utf8))
            id = identities.exact(DeviceIdentity(devpath: Array(devpath.utf8), ifindex: nil)) ?? (sharing.count == 1 ? sharing.first : nil)
        }
        guard let id else { return }
        removeDevice(id)
    }

    mutating func removeDevice(_ id: DeviceID) {
        identities.remove(id)
        devices[id]?.isGone = true
        for attachmentID in attachmentIDs(of: id) { tearDown(attachmentID, then: .forget) }
        forgetIfUnused(id)
    }

    mutating func reconcile(_ present: [DeviceFacts]) {
        let presentIdentities = Set(present.map(\.identity))
        let presentIndexes = Set(present.compactMap(\.ifindex))
        for (identity, id) in identities.all
        where !presentIdentities.contains(identity) && !(identity.ifindex.map(presentIndexes.contains) ?? false) {
            log(.notice, "device is gone (found by re-enumeration)", device: id)
            removeDevice(id)
        }
        for facts in present {
            switch recognize(facts) {
            case .tracked, .underStaleDevpath:
                // Known and kept as it is: matching it again would judge
                // `kernel` by a name our own [link] rename may have changed.
                continue
            case .replacing, .new:
                deviceAdded(facts)
            }
        }
    }

    func matchingBindings(_ facts: DeviceFacts) -> [Binding] {
        matchTable.matching(facts) { configuration.bindings[$0.index] }
    }

    func attachmentIDs(of device: DeviceID) -> [AttachmentID] {
        attachments.ids(of: device)
    }

    /// A device stays tracked while it is present with a binding, or while
    /// one of its children is still stopping.
    mutating func forgetIfUnused(_ id: DeviceID) {
        guard let device = devices[id], attachmentIDs(of: id).isEmpty else { return }
        if device.isGone || matchingBindings(device.facts).isEmpty {
            devices.removeValue(forKey: id)
            identities.remove(id)
        }
    }
}
