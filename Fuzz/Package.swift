// swift-tools-version:6.0
// libFuzzer targets for hotplugd's parsers of outside input. Kept out of the
// main package because a fuzzer executable has no main of its own (libFuzzer
// supplies it) and so only links with -sanitize=fuzzer. Run with scripts/fuzz.
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, which is wherever the
// repository was cloned.
let hotplugd = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let fuzzers = [
    ("FuzzBindings", "HotplugCore"),
    ("FuzzPlaceholders", "HotplugCore"),
    ("FuzzControl", "HotplugCore"),
    ("FuzzJSON", "HotplugCore"),
    ("FuzzNetlink", "HotplugLinux"),
]

let package = Package(
    name: "hotplugd-fuzz",
    dependencies: [.package(path: "..")],
    targets: [.target(name: "FuzzSupport")] + fuzzers.map { name, product in
        .executableTarget(name: name, dependencies: ["FuzzSupport", .product(name: product, package: hotplugd)])
    },
    swiftLanguageModes: [.v6]
)
