import HotplugCore

/// What the firewall stage needs of nftables: one atomic transaction per
/// call. The seam that lets tests check the batches without root.
public protocol FirewallOperations {
    func apply(_ batch: FirewallBatch) throws(NftablesError)
}

/// The firewall stage's nftables: libnftables for what it writes as text,
/// and, for a batch that only adds or deletes map elements (a device
/// plugged or unplugged), those elements sent as nfnetlink messages
/// directly. Both are opened on first use, so a daemon without
/// `[firewall]` opens neither.
public final class FirewallKernel: FirewallOperations {
    private var nftables: Nftables?
    private var elements: NftablesElementWriter?

    public init() {}

    public func apply(_ batch: FirewallBatch) throws(NftablesError) {
        if let changes = batch.elements {
            guard !changes.isEmpty else { return }
            if elements == nil { elements = try NftablesElementWriter() }
            try elements?.apply(changes)
            return
        }
        if nftables == nil { nftables = try Nftables() }
        try nftables?.run(batch.text)
    }
}
