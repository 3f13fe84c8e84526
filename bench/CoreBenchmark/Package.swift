// swift-tools-version:6.0
import PackageDescription

// The core micro-benchmark: HotplugCore's matcher on recorded-shape devices,
// built against the main package by path. bench/run builds and runs it.
let package = Package(
    name: "CoreBenchmark",
    dependencies: [
        .package(name: "hotplugd", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "CoreBenchmark",
            dependencies: [.product(name: "HotplugCore", package: "hotplugd")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
