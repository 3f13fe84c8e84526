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
        installed[id] = Entry(ifindex: ifindex, binding: FirewallBinding(name: request.binding, settings: request.settings))
        do throws(NftablesError) {
            try write(FirewallRuleset.deviceBatch(device(ifindex)))
            return .success(.firewall)
        } catch {
            installed[id] = previous
            return .failure(StageFailure(.firewall, error.description))
        }
    }

    /// Removes the instance's rules. The others on the same device stay
    /// (rewritten in the same transaction). Returns what went wrong, for
    /// the log; on failure the whole table is rebuilt without them.
    public func tearDown(_ id: InstanceID) -> String? {
        guard let entry = installed.removeValue(forKey: id) else { return nil }
        let remaining = device(entry.ifindex)
        let batch = remaining.bindings.isEmpty
            ? FirewallRuleset.removalBatch(ifindex: entry.ifindex)
            : FirewallRuleset.deviceBatch(remaining)
        do throws(NftablesError) {
            try write(batch)
            return nil
        } catch {
            let retry = (try? rebuild()) != nil ? "; rebuilt the table instead" : "; rebuilding the table failed too"
            return error.description + retry
        }
    }

    /// The table dropped and rebuilt from what is installed now, in one
    /// transaction: what a crashed predecessor left for devices now gone
    /// disappears; present devices never lose their rules in between.
    public func rebuild() throws(NftablesError) {
        try write(FirewallRuleset.rebuildBatch(devices()))
    }

    /// Shutdown: the whole table goes, if we ever wrote to it.
    public func removeTable() throws(NftablesError) {
        guard hasTouchedTable else { return }
        try kernel.apply(FirewallRuleset.deleteTableBatch())
        installed = [:]
    }

    func device(_ ifindex: Int32) -> FirewallDevice {
        FirewallDevice(ifindex: ifindex, bindings: installed.values.filter { $0.ifindex == ifindex }.map(\.binding))
    }

    func devices() -> [FirewallDevice] {
        Set(installed.values.map(\.ifindex)).sorted().map(device)
    }

    private func write(_ batch: String) throws(NftablesError) {
        hasTouchedTable = true
        try kernel.apply(batch)
    }
}
