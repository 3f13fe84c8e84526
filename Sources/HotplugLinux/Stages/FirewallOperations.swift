/// What the firewall stage needs of nftables: one atomic transaction per
/// call. The seam that lets tests check the batches without root.
public protocol FirewallOperations {
    func apply(_ batch: String) throws(NftablesError)
}

extension Nftables: FirewallOperations {
    public func apply(_ batch: String) throws(NftablesError) { try run(batch) }
}
