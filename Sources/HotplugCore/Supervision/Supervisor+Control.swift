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
            guard case .tracked(let id) = recognize(facts), let device = devices[id], !device.isGone else { continue }
            devices[id]?.facts = facts
        }
        var affected: [String: Stage] = [:]
        var firewallReplaced: Set<String> = []
        var removed = 0
        for binding in old.bindings {
            guard let replacement = new.binding(named: binding.name) else {
                removed += 1
                continue
            }
            affected[binding.name] = Stage.firstAffected(from: binding, to: replacement)
            if Stage.replacesFirewallInPlace(from: binding, to: replacement) { firewallReplaced.insert(binding.name) }
        }
        log(.notice, "configuration reloaded: \(new.bindings.count) binding(s), \(Set(affected.keys).union(firewallReplaced).count + removed) changed or removed")
        for (id, device) in devices.sorted(by: { $0.key < $1.key }) where !device.isGone {
            let matching = matchingBindings(device.facts)
            let names = Set(matching.map(\.name))
            let owner = matching.first { $0.link != nil }?.name
            if owner != device.linkOwner {
                devices[id]?.linkOwner = owner
                if devices[id]?.link != .pending { devices[id]?.link = .notStarted }
            }
            for attachmentID in attachmentIDs(of: id) {
                let stillMatches = names.contains(attachmentID.binding)
                if !stillMatches {
                    tearDown(attachmentID, then: .forget)
                } else {
                    var stage = affected[attachmentID.binding]
                    if firewallReplaced.contains(attachmentID.binding) {
                        // Rules in place are replaced there; a firewall stage
                        // that failed or is still to come is (re)done in order.
                        if attachments[attachmentID]?.setUp.contains(.firewall) == true {
                            replaceFirewall(attachmentID)
                        } else {
                            stage = min(stage ?? .firewall, .firewall)
                        }
                    }
                    if let stage { tearDown(attachmentID, downTo: stage, then: .setUpAgain) }
                }
            }
            for binding in matching { keepRunning(AttachmentID(binding: binding.name, device: id)) }
            forgetIfUnused(id)
        }
        if let present { reconcile(present) }
    }

    /// The attachments `restart BINDING [DEVICE]` acts on; the device is a
    /// syspath, devpath or interface name. For `hotplugd restart` to say
    /// what it restarted, and to refuse when that is nothing.
    public func restartTargets(binding: String, device selector: String?) -> [AttachmentID] {
        attachments.keys.filter { id in
            guard id.binding == binding else { return false }
            guard let selector else { return true }
            guard let device = devices[id.device], !device.isGone else { return false }
            return [device.facts.syspath, device.facts.devpath, device.interface, device.facts.sysname].contains(selector)
        }.sorted()
    }

    /// How many instances (workers, `instances = N` per device) a restart of
    /// `targets` restarts: what `hotplugd restart` says, not the devices.
    public func workerCount(_ targets: [AttachmentID]) -> Int {
        targets.reduce(0) { $0 + (attachments[$1]?.workers.count ?? 0) }
    }

    mutating func restart(binding: String, device selector: String?) {
        let targets = restartTargets(binding: binding, device: selector)
        if targets.isEmpty {
            log(.warning, "restart: binding '\(binding)' has no attachment\(selector.map { " on '\($0)'" } ?? "")")
        }
        for id in targets {
            log(.notice, "restarting on request", id)
            // The stages below the children (link, firewall, sockets) stay:
            // a restart is for the program, and a failed stage is retried.
            if attachments[id]?.state == .supervising, attachments[id]?.teardown == nil {
                restartWorker(id, 0)
            } else {
                tearDown(id, downTo: .children, then: .setUpAgain)
            }
        }
    }

    /// Stops every child in parallel; `.exit` follows once all are gone.
    mutating func shutdown() {
        guard !isShuttingDown else { return }
        isShuttingDown = true
        log(.notice, "stopping \(attachments.values.reduce(0) { $0 + $1.aliveWorkers.count }) child(ren)")
        for id in attachments.keys.sorted() { tearDown(id, then: .forget) }
    }
}
