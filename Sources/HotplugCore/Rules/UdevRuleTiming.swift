/// Facts that udev sets only after the generated rules have run, so those
/// rules cannot test them at plug time.
///
/// The rules run at position 90. udev sets tags in rules up to
/// 99-systemd.rules (which adds "systemd") and in any local file after 90,
/// and 99-systemd.rules sets the SYSTEMD_* properties. A rule at 90 that
/// tested them would see a device without them on every add and tag it only
/// on a later `change`. The tagging rule therefore leaves these keys out: it
/// tags more devices than the binding matches, which costs hotplugd a few
/// events it then checks itself, and never hides a device from `run --tag`.
/// NAME= must not widen like that (it would rename other devices), so a
/// binding with a fixed `[link] name` and such a key gets no NAME=: hotplugd
/// renames the interface itself, as it does for a `{n}` template.
enum UdevRuleTiming {
    /// Prefix of the properties 99-systemd.rules assigns.
    static let lateProperties = "SYSTEMD_"

    /// The keys of `rules` that a rule at 90 cannot test, as the output names them.
    static func lateKeys(_ rules: MatchRules) -> [String] {
        var keys: [String] = []
        if rules.tag != nil { keys.append("[match] tag") }
        for property in rules.properties where isLate(property: property.key) {
            keys.append("[match.property] \(property.key)")
        }
        return keys
    }

    static func isLate(property key: String) -> Bool { key.hasPrefix(lateProperties) }
}
