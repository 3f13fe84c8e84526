extension FirewallSettings {
    /// What `check` prints for `[firewall]`, e.g.
    /// `input restrict (tcp 22 8080-8090, udp 53, icmp), forward open, mark 0x4000`.
    public var summary: String {
        var allowed: [String] = []
        if !allowTCP.isEmpty { allowed.append("tcp " + allowTCP.map(\.description).joined(separator: " ")) }
        if !allowUDP.isEmpty { allowed.append("udp " + allowUDP.map(\.description).joined(separator: " ")) }
        if allowICMP { allowed.append("icmp") }
        var input = "input \(self.input.rawValue)"
        if self.input == .restrict { input += allowed.isEmpty ? " (nothing allowed)" : " (\(allowed.joined(separator: ", ")))" }
        var forward = "forward \(self.forward.rawValue)"
        if self.forward == .restrict { forward += forwardTo.isEmpty ? " (nowhere)" : " (to \(forwardTo.joined(separator: " ")))" }
        var parts = [input, forward]
        if let acceptMark { parts.append("mark 0x" + String(acceptMark, radix: 16)) }
        return parts.joined(separator: ", ")
    }
}
