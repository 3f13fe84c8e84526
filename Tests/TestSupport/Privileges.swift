import Foundation
import Testing

public enum Privileges {
    public static var isRoot: Bool { geteuid() == 0 }
}

extension Trait where Self == ConditionTrait {
    /// For tests that create kernel devices: they skip, saying why, without root.
    public static var needsRoot: Self {
        .enabled(if: Privileges.isRoot, "needs root to create veth devices (run the suite with sudo)")
    }

    /// For tests that need udevd's events and database; starts udevd when root
    /// and it is not running.
    public static var needsUdevd: Self {
        .enabled("needs root and systemd-udevd (Debian package udev), which could not be started") {
            Privileges.isRoot && Udevd.isRunning
        }
    }
}
