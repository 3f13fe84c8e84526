/// `check`'s warnings about NetworkManager and systemd-networkd: where
/// hotplugd cannot keep them off a link it configures (issue 23).
public enum UnmanagedWarnings {
    /// What the machine has, as far as keeping the managers off goes.
    public struct Machine: Sendable, Equatable {
        /// /run/udev exists: udevd runs, and reads the runtime rules.
        public var udevRuns: Bool
        /// systemd-networkd is in use (running or enabled) but the .network file that gives
        /// versions before 256 `Unmanaged=yes` for marked links is not.
        public var networkdLacksUnmanagedFile: Bool

        public init(udevRuns: Bool, networkdLacksUnmanagedFile: Bool) {
            self.udevRuns = udevRuns
            self.networkdLacksUnmanagedFile = networkdLacksUnmanagedFile
        }
    }

    public static func find(_ configuration: Configuration, sources: [ConfigSource], machine: Machine) -> [ConfigWarning] {
        let marked = configuration.bindings.filter(UnmanagedRules.needsMark)
        guard !marked.isEmpty else { return [] }
        var warnings: [ConfigWarning] = []
        func warn(_ binding: Binding, _ message: String) {
            let document = sources.first { $0.path == binding.file }.flatMap { try? TOMLParser.parse($0.text) }
            let path = binding.link?.unmanaged == nil ? ["link"] : ["link", "unmanaged"]
            let position = document.flatMap { ConfigWarnings.position(of: path, in: $0) }
            warnings.append(ConfigWarning(file: binding.file, position: position, message: "binding '\(binding.name)': " + message))
        }
        for gap in UnmanagedRules.rules(for: configuration).gaps {
            guard let binding = configuration.binding(named: gap.binding) else { continue }
            warn(binding, "\(gap.key) has no exact udev form (\(gap.message)), so no udev rule marks its interfaces: NetworkManager or systemd-networkd may take the link and replace what [link] sets; match on keys udev can test, or set unmanaged = false to leave the link to them knowingly")
        }
        if !machine.udevRuns, let first = marked.first {
            warn(first, "udevd does not run here (no /run/udev), and the marks that keep NetworkManager and systemd-networkd off a configured link are udev properties: a manager may take the link")
        } else if machine.networkdLacksUnmanagedFile, let first = marked.first {
            warn(first, "systemd-networkd is in use but \(UnmanagedRules.networkFile) is not: networkd before 256 (Debian 12) ignores ID_NET_MANAGED_BY and may take the link; install the file from the hotplugd package (network/) and run `networkctl reload`")
        }
        return warnings
    }
}
