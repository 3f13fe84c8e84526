/// Devices coming, changing, moving and going.
extension Supervisor {
    mutating func deviceAdded(_ facts: DeviceFacts) {
        guard !isShuttingDown else { return }
        if let known = deviceByDevpath[facts.devpath], let device = devices[known], !device.isGone {
            // The same device seen twice (coldplug racing its add event): the
            // same identity is not bound again; a new ifindex is a new device
            // whose remove we missed.
            if facts.ifindex == nil || device.facts.ifindex == facts.ifindex {
                deviceChanged(facts)
                return
            }
            deviceRemoved(devpath: facts.devpath, ifindex: device.facts.ifindex)
        }
        let matching = matchingBindings(facts)
        metrics.matched()
        guard !matching.isEmpty else { return }
        let id = DeviceID(nextDeviceNumber)
        nextDeviceNumber += 1
        var device = TrackedDevice(id: id, facts: facts, interface: facts.interfaceName)
        device.linkOwner = matching.first { $0.link != nil }?.name
        devices[id] = device
        deviceByDevpath[facts.devpath] = id
        for binding in matching { begin(InstanceID(binding: binding.name, device: id), settle: binding.settle) }
    }

    mutating func deviceChanged(_ facts: DeviceFacts) {
        guard !isShuttingDown else { return }
        guard let id = deviceByDevpath[facts.devpath], var device = devices[id], !device.isGone else {
            deviceAdded(facts)
            return
        }
        device.facts = facts
        devices[id] = device
        let matching = matchingBindings(facts)
        metrics.matched()
        let names = Set(matching.map(\.name))
        for instanceID in instanceIDs(of: id) where !names.contains(instanceID.binding) {
            log(.info, "no longer matches after the change; unbinding", instanceID)
            tearDown(instanceID, then: .forget)
        }
        if devices[id]?.linkOwner == nil { devices[id]?.linkOwner = matching.first { $0.link != nil }?.name }
        for binding in matching { keepRunning(InstanceID(binding: binding.name, device: id)) }
        forgetIfUnused(id)
    }

    /// The binding matches the device: start its instance if there is none;
    /// if it is being torn down to be dropped (an earlier change unbound
    /// it), set it up again once that is done instead; if a stage or a
    /// worker failed, try it again.
    mutating func keepRunning(_ id: InstanceID) {
        guard let instance = instances[id] else {
            begin(id, settle: .zero)
            return
        }
        if let teardown = instance.teardown {
            if teardown.then == .forget { instances[id]?.teardown?.then = .setUpAgain }
        } else {
            retryFailures(id)
        }
    }

    mutating func deviceMoved(_ facts: DeviceFacts) {
        let old = facts.properties["DEVPATH_OLD"]
        let id = old.flatMap { deviceByDevpath[$0] }
            ?? deviceByDevpath[facts.devpath]
            ?? facts.ifindex.flatMap { index in devices.values.first { !$0.isGone && $0.facts.ifindex == index }?.id }
        guard let id, var device = devices[id] else {
            deviceAdded(facts)
            return
        }
        let previous = device.label
        deviceByDevpath.removeValue(forKey: device.facts.devpath)
        device.facts.devpath = facts.devpath
        device.facts.syspath = facts.syspath
        device.facts.sysname = facts.sysname
        if let interface = facts.interfaceName {
            device.interface = interface
            device.facts.properties["INTERFACE"] = interface
        }
        devices[id] = device
        deviceByDevpath[facts.devpath] = id
        if previous != device.label {
            log(.info, "\(previous) is now \(device.label)", device: id)
        }
    }

    mutating func deviceRemoved(devpath: String, ifindex: Int32?) {
        guard let id = deviceByDevpath[devpath] else { return }
        deviceByDevpath.removeValue(forKey: devpath)
        devices[id]?.isGone = true
        for instanceID in instanceIDs(of: id) { tearDown(instanceID, then: .forget) }
        forgetIfUnused(id)
    }

    mutating func reconcile(_ present: [DeviceFacts]) {
        let presentPaths = Set(present.map(\.devpath))
        for (devpath, id) in deviceByDevpath where !presentPaths.contains(devpath) {
            log(.notice, "device is gone (found by re-enumeration)", device: id)
            deviceRemoved(devpath: devpath, ifindex: devices[id]?.facts.ifindex)
        }
        for facts in present {
            if let id = deviceByDevpath[facts.devpath], let device = devices[id],
               facts.ifindex == nil || device.facts.ifindex == facts.ifindex {
                // Known and kept as it is: matching it again would judge
                // `kernel` by a name our own [link] rename may have changed.
                continue
            }
            deviceAdded(facts)
        }
    }

    func matchingBindings(_ facts: DeviceFacts) -> [Binding] {
        matchTable.matching(facts) { configuration.bindings[$0.index] }
    }

    func instanceIDs(of device: DeviceID) -> [InstanceID] {
        instances.ids(of: device)
    }

    /// A device stays tracked while it is present with a binding, or while
    /// one of its children is still stopping.
    mutating func forgetIfUnused(_ id: DeviceID) {
        guard let device = devices[id], instanceIDs(of: id).isEmpty else { return }
        if device.isGone || matchingBindings(device.facts).isEmpty {
            devices.removeValue(forKey: id)
            if deviceByDevpath[device.facts.devpath] == id { deviceByDevpath.removeValue(forKey: device.facts.devpath) }
        }
    }
}
