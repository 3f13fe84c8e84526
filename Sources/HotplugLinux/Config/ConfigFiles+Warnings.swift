import Glibc
import HotplugCore

extension ConfigFiles {
    /// The configuration and, when it is valid, its warnings for this
    /// machine and event source (see `ConfigWarnings`).
    public static func loadWithWarnings(_ path: String, strict: Bool = geteuid() == 0,
                                        source: EventSource) -> (Result<Configuration, ConfigErrors>, [ConfigWarning]) {
        let (sources, readProblems) = read(path, strict: strict)
        switch ConfigLoader.load(sources) {
        case .success(let configuration) where readProblems.isEmpty:
            let warnings = ConfigWarnings.find(configuration, sources: sources, machine: MachineLookup(),
                                               kernelSource: source == .kernel)
                + UnmanagedWarnings.find(configuration, sources: sources, machine: .current)
            return (.success(configuration), warnings)
        case .success:
            return (.failure(ConfigErrors(readProblems)), [])
        case .failure(let errors):
            return (.failure(ConfigErrors(readProblems + errors.diagnostics)), [])
        }
    }
}

extension UnmanagedWarnings.Machine {
    /// This machine: /run/udev, whether networkd is in use, and the .network file.
    /// Debian 12 ships networkd's binary with every systemd, used or not, so
    /// "in use" is the state file a running networkd writes, or its unit enabled.
    static var current: Self {
        let networkFile = UnmanagedRules.networkFile
        let name = networkFile.split(separator: "/").last.map(String.init) ?? ""
        let signs: [String] = ["/run/systemd/netif/state", "/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"]
        let installed = signs.contains { (path: String) in access(path, F_OK) == 0 }
        let places: [String] = [networkFile, "/lib/systemd/network/" + name, "/etc/systemd/network/" + name]
        let present = places.contains { (path: String) in access(path, F_OK) == 0 }
        return Self(udevRuns: access("/run/udev", F_OK) == 0, networkdLacksUnmanagedFile: installed && !present)
    }
}
