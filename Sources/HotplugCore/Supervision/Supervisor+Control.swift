/// Reload, restart and shutdown: what the operator asks for.
extension Supervisor {
    /// Unchanged bindings keep their children; changed ones are stopped and,
    /// where they still match, started again; removed ones are stopped; new
    /// ones are matched against the devices present. With `present`, known
    /// devices take their fresh facts first, and devices that matched nothing
    /// before (and so were not kept) are added after.
    mutating func reload(_ new: Configuration, present: [DeviceFacts]? = nil) {
        let old = configuration
        configuration = new
        for facts in present ?? [] {
            guard let id = deviceByDevpath[facts.devpath], let device = devices[id], !device.isGone,
                  facts.ifindex == nil || device.facts.ifindex == facts.ifindex else { continue }
            devices[id]?.facts = facts
        }
        var changed = Set<String>()
        for binding in old.bindings where new.binding(named: binding.name) != binding { changed.insert(binding.name) }
        log(.notice, "configuration reloaded: \(new.bindings.count) binding(s), \(changed.count) changed or removed")
        for (id, device) in devices.sorted(by: { $0.key < $1.key }) where !device.isGone {
            let matching = matchingBindings(device.facts)
            let names = Set(matching.map(\.name))
            let owner = matching.first { $0.link != nil }?.name
            if owner != device.linkOwner || (owner.map(changed.contains) ?? false) {
                devices[id]?.linkOwner = owner
                if devices[id]?.link != .pending { devices[id]?.link = .notStarted }
            }
            for instanceID in instanceIDs(of: id) where changed.contains(instanceID.binding) {
                stop(instanceID, then: names.contains(instanceID.binding) ? .restart : .forget)
            }
            for binding in matching { keepRunning(InstanceID(binding: binding.name, device: id)) }
            forgetIfUnused(id)
        }
        if let present { reconcile(present) }
    }

    mutating func restart(binding: String, device selector: String?) {
        let targets = instances.keys.filter { id in
            guard id.binding == binding else { return false }
            guard let selector else { return true }
            guard let device = devices[id.device] else { return false }
            return [device.facts.syspath, device.facts.devpath, device.interface, device.facts.sysname].contains(selector)
        }.sorted()
        if targets.isEmpty {
            log(.warning, "restart: binding '\(binding)' has no instance\(selector.map { " on '\($0)'" } ?? "")")
        }
        for id in targets {
            log(.notice, "restarting on request", id)
            if case .failed = devices[id.device]?.link { devices[id.device]?.link = .notStarted }
            stop(id, then: .restart)
        }
    }

    /// Stops every child in parallel; `.exit` follows once all are gone.
    mutating func shutdown() {
        guard !isShuttingDown else { return }
        isShuttingDown = true
        log(.notice, "stopping \(instances.values.filter { $0.state.pid != nil }.count) child(ren)")
        for id in instances.keys.sorted() { stop(id, then: .forget) }
    }

    /// Whether `restart` names something this supervisor knows.
    public func hasBinding(_ name: String) -> Bool { configuration.binding(named: name) != nil }
}
