import Foundation
import Testing

public enum Privileges {
    public static var isRoot: Bool { geteuid() == 0 }
    public static var udevdRuns: Bool { access("/run/udev/control", F_OK) == 0 }
}

extension Trait where Self == ConditionTrait {
    /// For tests that create kernel devices: they skip, saying why, without root.
    public static var needsRoot: Self {
        .enabled(if: Privileges.isRoot, "needs root to create veth devices (run the suite with sudo)")
    }

    /// For tests that need udevd's events and database.
    public static var needsUdevd: Self {
        .enabled(if: Privileges.isRoot && Privileges.udevdRuns,
                 "needs root and a running systemd-udevd (scripts/setup starts it)")
    }
}
