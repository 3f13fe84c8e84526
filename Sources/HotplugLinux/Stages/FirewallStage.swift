import HotplugCore

/// The firewall stage's executor: keeps what each instance installed and
/// turns every change into one nftables transaction that rewrites only the
/// device concerned (its chains and map entries, by ifindex). The table as
/// a whole is rebuilt, in one transaction too, at start and after someone
/// else changed it.
///
/// Renames need nothing here: rules match the ifindex, which a rename keeps.
public final class FirewallStage<Kernel: FirewallOperations> {
    let kernel: Kernel
    struct Entry: Equatable {
        var ifindex: Int32
        var binding: FirewallBinding
    }
    /// What each instance installed, so a teardown (which names only the
    /// instance) and a repair know what to write.
    private(set) var installed: [InstanceID: Entry] = [:]
    /// Whether hotplugd has written to nftables at all: a daemon without
    /// `[firewall]` never touches it, not even to clean up.
    public private(set) var hasTouchedTable = false
    /// Whether the table and its base chains are known to exist, so that a
    /// device's batch can leave them out (see `FirewallRuleset.deviceBatch`).
    /// Cleared when a transaction fails; the repair after someone else's
    /// change rebuilds everything anyway.
    private var tableIsKnown = false

    public init(kernel: Kernel) {
        self.kernel = kernel
    }

    public var isEmpty: Bool { installed.isEmpty }

    public func setUp(_ id: InstanceID, _ request: FirewallRequest) -> Result<StageOutcome, StageFailure> {
        // Fail closed: without an ifindex there is nothing to match, and
        // the child must not start unprotected.
        guard let ifindex = request.ifindex, ifindex > 0 else {
            return .failure(StageFailure(.firewall, "the interface has no ifindex to match"))
        }
        let previous = installed[id]
        let before = device(ifindex)
        installed[id] = Entry(ifindex: ifindex, binding: FirewallBinding(name: request.binding, settings: request.settings))
        do throws(NftablesError) {
            // With the table unknown, a predecessor's leftovers for this
            // ifindex may be there: remove every direction not restricted.
            let batch = FirewallRuleset.deviceBatch(device(ifindex), withTable: !tableIsKnown,
                                                    previously: tableIsKnown ? before : nil)
            try writeDevice(batch)
            return .success(.firewall)
        } catch {
            installed[id] = previous
            return .failure(StageFailure(.firewall, error.description))
        }
    }

    /// Sets up several instances' rules in one transaction: in a storm, each
    /// transaction costs more the larger the table is (nft and the kernel
    /// go over all of it), so one per device would make a storm quadratic.
    /// If the joint transaction fails, each is set up on its own, so one
    /// bad device cannot fail the others; the results are in `requests`'
    /// order.
    public func setUpAll(_ requests: [(InstanceID, FirewallRequest)]) -> [Result<StageOutcome, StageFailure>] {
        guard requests.count > 1,
              requests.allSatisfy({ ($0.1.ifindex ?? 0) > 0 && installed[$0.0] == nil }) else {
            return requests.map { setUp($0.0, $0.1) }
        }
        let ifindexes = Set(requests.compactMap(\.1.ifindex)).sorted()
        let before = Dictionary(uniqueKeysWithValues: ifindexes.map { ($0, device($0)) })
        for (id, request) in requests {
            installed[id] = Entry(ifindex: request.ifindex ?? 0, binding: FirewallBinding(name: request.binding, settings: request.settings))
        }
        do throws(NftablesError) {
            if tableIsKnown {
                try write(ifindexes.map { FirewallRuleset.deviceBatch(device($0), withTable: false, previously: before[$0]) }.joined())
            } else {
                // At start (a coldplug): what a predecessor left is unknown,
                // so the table is written anew with every device at once.
                try rebuild()
            }
            return requests.map { _ in .success(.firewall) }
        } catch {
            for (id, _) in requests { installed.removeValue(forKey: id) }
            return requests.map { setUp($0.0, $0.1) }
        }
    }

    /// Removes the instance's rules. The others on the same device stay
    /// (rewritten in the same transaction). If that fails the whole table
    /// is rebuilt without them; returns what went wrong, for the log, when
    /// neither worked.
    public func tearDown(_ id: InstanceID) -> String? {
        let before = installed[id].map { device($0.ifindex) }
        guard let entry = installed.removeValue(forKey: id), let before else { return nil }
        let remaining = device(entry.ifindex)
        let batch = FirewallRuleset.deviceBatch(remaining, withTable: false, previously: before)
        do throws(NftablesError) {
            try writeDevice(batch)
            return nil
        } catch {
            return "neither the removal nor a rebuild of the table went through: \(error)"
        }
    }

    /// The table dropped and rebuilt from what is installed now, in one
    /// transaction: what a crashed predecessor left for devices now gone
    /// disappears; present devices never lose their rules in between.
    public func rebuild() throws(NftablesError) {
        tableIsKnown = false
        try write(FirewallRuleset.rebuildBatch(devices()))
        tableIsKnown = true
    }

    /// When the last repairs happened (monotonic ns), newest last.
    private var repairs: [UInt64] = []
    static var repairLimit: Int { 5 }
    static var repairWindow: UInt64 { 10_000_000_000 }

    /// Whether to repair now. Two processes that each rebuild the table
    /// whenever the other changes it (a second hotplugd in the same network
    /// namespace) would do so forever: after 5 repairs in 10 s, hotplugd
    /// stops repairing until the window has passed, and says why.
    public func mayRepair(now: UInt64) -> Bool {
        repairs.removeAll { now &- $0 > Self.repairWindow }
        guard repairs.count < Self.repairLimit else { return false }
        repairs.append(now)
        return true
    }

    /// Shutdown: the whole table goes, if we ever wrote to it.
    public func removeTable() throws(NftablesError) {
        guard hasTouchedTable else { return }
        tableIsKnown = false
        try kernel.apply(FirewallRuleset.deleteTableBatch())
        installed = [:]
    }

    func device(_ ifindex: Int32) -> FirewallDevice {
        FirewallDevice(ifindex: ifindex, bindings: installed.values.filter { $0.ifindex == ifindex }.map(\.binding))
    }

    func devices() -> [FirewallDevice] {
        Set(installed.values.map(\.ifindex)).sorted().map(device)
    }

    /// One device's batch; if it fails, the table may be damaged or gone
    /// (a change not yet reported): the whole table is rebuilt from
    /// `installed`, which already holds the change.
    private func writeDevice(_ batch: String) throws(NftablesError) {
        do {
            try write(batch)
            tableIsKnown = true
        } catch {
            try rebuild()
        }
    }

    private func write(_ batch: String) throws(NftablesError) {
        hasTouchedTable = true
        try kernel.apply(batch)
    }
}
