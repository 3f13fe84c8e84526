import FuzzSupport
import HotplugCore

/// Any bytes as a binding file: the TOML parser, then every validation.
/// Diagnostics must always carry a sane position.
runFuzzer { data, size in
    let text = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    if case .failure(let errors) = ConfigLoader.load([ConfigSource(path: "/fuzz/binding.toml", text: text)]) {
        for diagnostic in errors.diagnostics {
            if let position = diagnostic.position, position.line < 1 || position.column < 1 {
                fatalError("diagnostic at an impossible position: \(diagnostic)")
            }
        }
    }
    return 0
}
