import HotplugCore

extension DeviceReport {
    /// The exact nftables batch `run` sends when this device is plugged in:
    /// every matching binding's `[firewall]` in one transaction, and the
    /// bindings' own chains it relies on, which `run` writes at start and
    /// when a reload changes them. Nil when no matching binding has one.
    static func firewall(_ bindings: [Binding], device: DeviceFacts) -> String? {
        let matching = bindings.filter { $0.firewall != nil && Matcher.verdict($0.match, device).matched }
        guard !matching.isEmpty else { return nil }
        guard let ifindex = device.ifindex else {
            return "\nfirewall: the device has no ifindex; the firewall stage would fail and its children not start"
        }
        var settings: [String: FirewallSettings] = [:]
        for binding in matching { settings[binding.name] = binding.firewall }
        let configured = FirewallTable(bindings: settings)
        let plugged = FirewallTable(bindings: settings, devices: [ifindex: Set(settings.keys)])
        let device = FirewallRuleset.changeBatch(from: configured, to: plugged)
        let chains = FirewallRuleset.changeBatch(from: .empty, to: configured)
        guard !device.isEmpty else {
            return "\nfirewall (ifindex \(ifindex)): no matching binding restricts input or forward; nothing is written for the device\n"
        }
        return "\nfirewall (ifindex \(ifindex); table inet hotplugd): the device's transaction when it is plugged in:\n" + device
            + "\nthe bindings' chains it jumps to, in the table from start (or the reload that brought them) on:\n" + chains
    }
}
