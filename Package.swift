// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "hotplugd",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hotplugd", targets: ["hotplugd"]),
        // For the fuzzers and benchmarks, which live in packages of their own.
        .library(name: "HotplugCore", targets: ["HotplugCore"]),
        .library(name: "HotplugLinux", targets: ["HotplugLinux"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // C libraries from Debian, wrapped as system modules.
        .systemLibrary(name: "CUdev", pkgConfig: "libudev", providers: [.apt(["libudev-dev"])]),
        // The firewall stage talks to nftables through its own library, not by spawning `nft`:
        // the headers only; the library is loaded at the first [firewall] use (NftablesLibrary.swift).
        .systemLibrary(name: "CNftables", providers: [.apt(["libnftables-dev"])]),
        // fork/exec must run async-signal-safe code only, so it lives in C.
        .target(name: "CHotplugSpawn"),
        // accept4 and SO_PEERCRED need _GNU_SOURCE, which Swift's Glibc lacks.
        .target(name: "CHotplugSocket"),
        .target(name: "CHotplugReexec"),

        // The functional core: config, matching, placeholders, the state machine. No I/O.
        .target(name: "HotplugCore"),

        // The imperative shell: libudev, rtnetlink, processes, the event loop.
        .target(
            name: "HotplugLinux",
            dependencies: [
                "HotplugCore", "CUdev", "CHotplugSpawn", "CHotplugSocket", "CHotplugReexec", "CNftables",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The command line: argument parsing and printing only.
        .executableTarget(
            name: "hotplugd",
            dependencies: [
                "HotplugCore", "HotplugLinux",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // Release builds (the package, scripts/install, bench/run) link
            // with the toolchain's lld and pack the relative relocations
            // (DT_RELR, glibc 2.36 and later): a static-stdlib PIE has about
            // 40,000 of them, and as RELA entries the loader reads ~1 MiB at
            // every start that then stays in the daemon's RSS.
            linkerSettings: [
                .unsafeFlags(["-Xclang-linker", "-fuse-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"],
                             .when(configuration: .release)),
            ]
        ),

        // Helpers for tests that use real devices: veth pairs, the built binary.
        .target(name: "TestSupport", dependencies: ["HotplugLinux"], path: "Tests/TestSupport"),
        .testTarget(name: "HotplugCoreTests", dependencies: ["HotplugCore"]),
        .testTarget(name: "HotplugLinuxTests", dependencies: ["HotplugLinux", "HotplugCore", "TestSupport"]),
        // Drives the built `hotplugd` binary as a user would.
        .testTarget(name: "HotplugdTests", dependencies: ["hotplugd", "HotplugCore", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
