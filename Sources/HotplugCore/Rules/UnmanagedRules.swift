/// The udev rules that keep NetworkManager and systemd-networkd off the
/// links hotplugd configures (issue 23). Pure: the configuration in, the
/// file's text and the bindings it cannot cover out.
///
/// Why udev properties: NetworkManager and networkd both wait until udev
/// has processed a new interface and then read its properties from udev's
/// database, before they do anything with it. A mark set while udev runs
/// its rules is therefore there before either manager first looks, which
/// no runtime call can promise: NetworkManager took the cable's interface
/// 0.1 s after udev announced it, still under its predictable name, before
/// hotplugd had renamed it. The marks:
/// - `NM_UNMANAGED=1`: NetworkManager's own (its 85-nm-unmanaged.rules sets
///   it for veths); the device is "unmanaged" by udev, which no connection
///   profile overrides, only `nmcli device set IFACE managed yes`.
/// - `ID_NET_MANAGED_BY=io.hotplugd`: networkd 256 and later manage only
///   links where this is unset or "io.systemd.Network". For networkd 252
///   (Debian 12) the package ships a .network file matching the same
///   property with `[Link] Unmanaged=yes` (`networkFile`).
///
/// The file runs after every other rule file (`fileName` sorts after
/// 99-systemd.rules), so it sees the tags and SYSTEMD_* properties a
/// binding may match, and the name udev gives the interface, which is what
/// hotplugd matches `kernel` against; and no earlier rule can undo the marks.
/// A rule must never match more than its binding does (it would take a
/// device from a manager that should have it): a binding whose match udev
/// cannot express exactly is left out, and `check` says so.
public enum UnmanagedRules {
    /// Runtime rules: gone at reboot, as the daemon's view of the bindings is.
    public static let directory = "/run/udev/rules.d"
    public static let fileName = "99-zz-hotplugd-unmanaged.rules"
    /// The ID_NET_MANAGED_BY value: reverse-domain, like systemd's own.
    public static let managedBy = "io.hotplugd"
    public static let networkFile = "/usr/lib/systemd/network/00-hotplugd-unmanaged.network"
    static let marker = "ENV{.HOTPLUGD_UNMANAGED}"
    static let endLabel = "hotplugd_unmanaged_end"
    static let assignments = [["ENV{NM_UNMANAGED}=\"1\"", "ENV{ID_NET_MANAGED_BY}=\(UdevRuleText.quoted(managedBy))"]]

    /// A binding that should keep the managers off but cannot be written.
    public struct Gap: Sendable, Equatable {
        public var binding: String
        public var file: String
        public var key: String
        public var message: String
    }

    public struct Output: Sendable, Equatable {
        /// nil when no binding needs a mark: the daemon then keeps no file.
        public var text: String?
        public var gaps: [Gap]
    }

    /// The bindings whose links the managers are kept off: `unmanaged`
    /// as written, by default those that set addresses, the MTU or `up`.
    public static func needsMark(_ binding: Binding) -> Bool {
        binding.link?.keepsManagersOff ?? false
    }

    public static func rules(for configuration: Configuration) -> Output {
        var blocks: [[String]] = []
        var gaps: [Gap] = []
        for binding in configuration.bindings where needsMark(binding) {
            switch UdevMatchStages.stages(for: binding.match, lastRules: true, ownName: ownNameGlob(binding.link?.name)) {
            case .success(let stages):
                blocks.append(["# \(binding.name) (\(binding.file))"]
                    + UdevRulesGenerator.chain(binding.name, stages, assignments: assignments, marker: marker))
            case .failure(let refusals):
                gaps += refusals.list.map { Gap(binding: binding.name, file: binding.file, key: $0.key, message: $0.message) }
            }
        }
        guard !blocks.isEmpty else { return Output(text: nil, gaps: gaps) }
        var lines = [
            "# Written by hotplugd at start and on reload; removed when it stops. Do not edit:",
            "# it marks the interfaces of bindings that configure their link, so that",
            "# NetworkManager (NM_UNMANAGED) and systemd-networkd (ID_NET_MANAGED_BY) leave",
            "# them alone. A binding opts out with `unmanaged = false` in [link].",
            "ACTION==\"remove\", GOTO=\"\(endLabel)\"",
            "SUBSYSTEM!=\"net\", GOTO=\"\(endLabel)\"",
        ]
        for block in blocks { lines += [""] + block }
        lines += ["", "LABEL=\"\(endLabel)\""]
        return Output(text: lines.joined(separator: "\n") + "\n", gaps: gaps)
    }

    /// Why `path` cannot be the rules file (`run --unmanaged-rules`), or nil:
    /// an absolute path to a plain `*.rules` name (udevd reads no other).
    public static func fileProblem(_ path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard path.hasPrefix("/"), parts.count >= 3, !parts.dropFirst().contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            return "'\(Printable.escaped(path))' is not a plain absolute path to a file"
        }
        guard let name = parts.last, name.hasSuffix(".rules"), !name.hasPrefix(".") else {
            return "'\(Printable.escaped(path))': udevd reads only files named *.rules"
        }
        return nil
    }

    /// The names `[link] name` gives, as a udev glob; nil without a name, or
    /// for a name with characters udev's matching would read otherwise.
    static func ownNameGlob(_ template: InterfaceNameTemplate?) -> String? {
        guard let template else { return nil }
        let special = Set("*?[]|\\\"$%!".unicodeScalars)
        guard !(template.prefix + template.suffix).unicodeScalars.contains(where: special.contains) else { return nil }
        return template.hasIndex ? template.prefix + "[0-9]*" + template.suffix : template.prefix
    }
}

extension LinkSettings {
    /// The link's addresses, MTU or up state are the binding's, so a
    /// manager must not take them: true unless `unmanaged = false`. A
    /// `[link]` that only renames stays the managers' unless `unmanaged = true`.
    public var keepsManagersOff: Bool {
        unmanaged ?? (mtu != nil || !addresses.isEmpty || upIsWritten)
    }
}
