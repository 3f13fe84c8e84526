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
            return (.success(configuration), warnings)
        case .success:
            return (.failure(ConfigErrors(readProblems)), [])
        case .failure(let errors):
            return (.failure(ConfigErrors(readProblems + errors.diagnostics)), [])
        }
    }
}
