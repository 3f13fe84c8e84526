import HotplugCore

/// The firewall stage's executor: keeps what each attachment installed and
/// what the table holds, and turns every change into one nftables
/// transaction of what differs (`FirewallRuleset.changeBatch`). The table
/// as a whole is rebuilt, in one transaction too, at start and after
/// someone else changed it.
///
/// A binding's chains are shared by its devices and written when the
/// binding is configured (start, reload), so plugging a device is one map
/// element. Renames need nothing here: rules match the ifindex.
public final class FirewallStage<Kernel: FirewallOperations> {
    let kernel: Kernel
    struct Entry: Equatable {
        var ifindex: Int32
        var binding: String
    }
    /// What each attachment installed, so a teardown (which names only the
    /// attachment) and a repair know what to write.
    private(set) var installed: [AttachmentID: Entry] = [:]
    /// The `[firewall]` of every binding hotplugd knows: the configured
    /// ones, and one a reload removed while its devices still have it.
    private var settings: [String: FirewallSettings] = [:]
    /// The bindings of the configuration: their chains are in the table
    /// with or without a device.
    private var configured: Set<String> = []
    /// What the table holds, as far as hotplugd knows; nil when it does
    /// not (nothing written yet, or a transaction failed): the next write
    /// rebuilds the whole table.
    private(set) var written: FirewallTable?
    /// Whether hotplugd has written to nftables at all: a daemon without
    /// `[firewall]` never touches it, not even to clean up.
    public private(set) var hasTouchedTable = false

    public init(kernel: Kernel) {
        self.kernel = kernel
    }

    public var isEmpty: Bool { installed.isEmpty }

    /// What the table should hold now.
    func desired() -> FirewallTable {
        var names = configured
        var devices: [Int32: Set<String>] = [:]
        for entry in installed.values {
            names.insert(entry.binding)
            devices[entry.ifindex, default: []].insert(entry.binding)
        }
        var bindings: [String: FirewallSettings] = [:]
        for name in names { bindings[name] = settings[name] }
        return FirewallTable(bindings: bindings, devices: devices)
    }

    /// The bindings with `[firewall]` in the configuration, at start and
    /// after a reload: new ones get their chains, changed ones have them
    /// rewritten (for all their devices at once), removed ones lose them
    /// once no device has them. Written now only if the table is known;
    /// otherwise by the rebuild that follows. If the transaction is
    /// refused, the previous rules stay and so does what is recorded.
    public func configure(_ bindings: [String: FirewallSettings]) throws(NftablesError) {
        let previous = (settings, configured)
        configured = Set(bindings.keys)
        settings.merge(bindings) { $1 }
        guard written != nil else { return }
        do {
            try writeChange()
        } catch {
            (settings, configured) = previous
            throw error
        }
        try dropTableIfUnused()
    }

    public func setUp(_ id: AttachmentID, _ request: FirewallRequest) -> Result<StageOutcome, StageFailure> {
        setUpAll([(id, request)])[0]
    }

    /// Sets up several attachments' rules in one transaction (a storm, the
    /// devices present at start): each transaction goes through nft and
    /// the kernel once, whatever it holds. If the joint transaction fails,
    /// each is set up on its own, so one bad device cannot fail the
    /// others; the results are in `requests`' order.
    public func setUpAll(_ requests: [(AttachmentID, FirewallRequest)]) -> [Result<StageOutcome, StageFailure>] {
        // Fail closed: without an ifindex there is nothing to match, and
        // the child must not start unprotected.
        let valid = requests.filter { ($0.1.ifindex ?? 0) > 0 }
        guard valid.count == requests.count else {
            guard requests.count > 1 else {
                return [.failure(StageFailure(.firewall, "the interface has no ifindex to match"))]
            }
            return requests.map { setUpAll([$0])[0] }
        }
        let previous = (installed, settings)
        for (id, request) in requests {
            installed[id] = Entry(ifindex: request.ifindex ?? 0, binding: request.binding)
            // The binding's settings as the core sees them now: a changed
            // binding (a reload) is rewritten here if `configure` did not.
            settings[request.binding] = request.settings
        }
        do throws(NftablesError) {
            try writeChange()
            return requests.map { _ in .success(.firewall) }
        } catch {
            (installed, settings) = previous
            guard requests.count > 1 else { return [.failure(StageFailure(.firewall, error.description))] }
            return requests.map { setUpAll([$0])[0] }
        }
    }

    /// Removes the attachment's rules; the others on the same device stay.
    /// Returns what went wrong, for the log, when neither the removal nor
    /// a rebuild went through.
    public func tearDown(_ id: AttachmentID) -> String? {
        guard installed.removeValue(forKey: id) != nil else { return nil }
        do throws(NftablesError) {
            try writeChange()
        } catch {
            return "neither the removal nor a rebuild of the table went through: \(error)"
        }
        do throws(NftablesError) {
            try dropTableIfUnused()
            return nil
        } catch {
            return "the table inet hotplugd, now empty, could not be removed: \(error)"
        }
    }

    /// Once no binding has `[firewall]` and no device has rules (a reload
    /// removed the last one, and its devices' rules are gone), the empty
    /// skeleton table goes too, as on shutdown; a later `[firewall]`
    /// writes it again from scratch.
    private func dropTableIfUnused() throws(NftablesError) {
        guard written != nil, configured.isEmpty, installed.isEmpty else { return }
        written = nil
        try kernel.apply(FirewallBatch(text: FirewallRuleset.deleteTableBatch()))
    }

    /// The table dropped and rebuilt from what is installed and configured
    /// now, in one transaction: what a crashed predecessor left for devices
    /// now gone disappears; present devices never lose their rules in
    /// between.
    public func rebuild() throws(NftablesError) {
        written = nil
        let state = desired()
        try write(FirewallBatch(text: FirewallRuleset.rebuildBatch(state)))
        written = state
        // A repair scheduled before the last [firewall] went: no skeleton.
        try dropTableIfUnused()
    }

    /// Takes over what a previous image of this daemon installed (re-exec):
    /// the rules are in the kernel already, so nothing is written unless
    /// that image did not know the table (`written` false: rebuilt by the
    /// next write).
    public func restore(_ entries: [AttachmentID: (ifindex: Int32, binding: String)], tableKnown: Bool) {
        installed = entries.mapValues { Entry(ifindex: $0.ifindex, binding: $0.binding) }
        written = tableKnown ? desired() : nil
        hasTouchedTable = hasTouchedTable || !entries.isEmpty || tableKnown
    }

    /// Shutdown: the whole table goes, if we ever wrote to it.
    public func removeTable() throws(NftablesError) {
        guard hasTouchedTable else { return }
        written = nil
        try kernel.apply(FirewallBatch(text: FirewallRuleset.deleteTableBatch()))
        installed = [:]
    }

    /// What differs between the table and `desired()`, in one transaction.
    /// If it fails, the table may be damaged or gone (a change not yet
    /// reported): the whole table is rebuilt. An unknown table is rebuilt
    /// right away.
    private func writeChange() throws(NftablesError) {
        guard let written else { return try rebuild() }
        let state = desired()
        let batch = FirewallRuleset.change(from: written, to: state)
        guard !batch.isEmpty else { return }
        do {
            try write(batch)
            self.written = state
        } catch {
            try rebuild()
        }
    }

    private func write(_ batch: FirewallBatch) throws(NftablesError) {
        hasTouchedTable = true
        do {
            try kernel.apply(batch)
        } catch {
            written = nil
            throw error
        }
    }
}
