import HotplugCore

extension DeviceReport {
    /// The exact nftables batch `run` would send for this device: every
    /// matching binding's `[firewall]` in one transaction. Nil when no
    /// matching binding has one.
    static func firewall(_ bindings: [Binding], device: DeviceFacts) -> String? {
        let matching = bindings.filter { $0.firewall != nil && Matcher.verdict($0.match, device).matched }
        guard !matching.isEmpty else { return nil }
        guard let ifindex = device.ifindex else {
            return "\nfirewall: the device has no ifindex; the firewall stage would fail and its children not start"
        }
        let entries = matching.compactMap { binding in binding.firewall.map { FirewallBinding(name: binding.name, settings: $0) } }
        let batch = FirewallRuleset.deviceBatch(FirewallDevice(ifindex: ifindex, bindings: entries))
        // The first device's batch: with the table and base chains, which
        // later devices' batches leave out once they exist.
        return "\nfirewall (ifindex \(ifindex); one nftables transaction, table inet hotplugd; the table and base chain lines are sent while the table is not there yet):\n" + batch
    }
}
