// swift-tools-version: 6.1
import PackageDescription

// Import direction (each arrow is "may import"):
//   contain -> ContainCLI -> { ContainSandbox, ContainMCP } -> { ContainProfile, ContainAudit }
//   ContainMCP -> { ContainShellRules, ContainPathRules, ContainKubeRules } -> ContainRuleKit -> ContainProfile
//   ContainCLI -> ContainLearn -> { ContainProfile, ContainAudit, ContainShellRules, ContainKubeRules }
//   ContainSandbox -> CContainChild (async-signal-safe child), CSeccomp, CCap
//   { ContainSandbox, ContainMCP, ContainCLI } -> ContainThreads (the one pthread_create wrapper)
//   ContainProfile -> CSeccomp (syscall name validation only), ContainYAML -> CYAML (system libyaml)
let package = Package(
    name: "contain",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "contain", targets: ["contain"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSeccomp", path: "csrc/CSeccomp", pkgConfig: "libseccomp",
            providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(
            name: "CCap", path: "csrc/CCap", pkgConfig: "libcap",
            providers: [.apt(["libcap-dev"])]),
        .target(name: "CContainChild", path: "csrc/CContainChild"),
        // The `contain` executable's constructor (clones the sandbox child before main); never in tests.
        .target(name: "CContainEarly", dependencies: ["CContainChild"], path: "csrc/CContainEarly"),
        // libyaml scans and parses; ContainYAML composes its events (Yams pulled Foundation and ICU in).
        .systemLibrary(
            name: "CYAML", path: "csrc/CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),
        .target(name: "ContainYAML", dependencies: ["CYAML"], path: "Sources/ContainYAML"),
        .target(name: "ContainAudit", path: "Sources/ContainAudit"),
        .target(name: "ContainThreads", path: "Sources/ContainThreads"),
        .target(
            name: "ContainProfile",
            dependencies: ["CSeccomp", "ContainYAML"],
            path: "Sources/ContainProfile"),
        .target(name: "ContainRuleKit", dependencies: ["ContainProfile"], path: "Sources/ContainRuleKit"),
        .target(name: "ContainShellRules", dependencies: ["ContainRuleKit", "ContainProfile"], path: "Sources/ContainShellRules"),
        // openat2(2) has no glibc wrapper and syscall(2) is variadic: a header-only shim for the path rules.
        .systemLibrary(name: "CContainPathSys", path: "csrc/CContainPathSys"),
        .target(name: "ContainPathRules", dependencies: ["ContainRuleKit", "ContainProfile", "CContainPathSys"],
                path: "Sources/ContainPathRules"),
        .target(name: "ContainKubeRules", dependencies: ["ContainRuleKit", "ContainProfile", "ContainYAML"],
                path: "Sources/ContainKubeRules"),
        .target(
            name: "ContainMCP",
            dependencies: ["ContainProfile", "ContainAudit", "ContainRuleKit", "ContainShellRules", "ContainPathRules", "ContainKubeRules",
                           "ContainThreads"],
            path: "Sources/ContainMCP"),
        .target(
            name: "ContainSandbox",
            dependencies: [
                "ContainProfile", "ContainAudit", "ContainThreads", "CContainChild", "CSeccomp", "CCap",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Sources/ContainSandbox"),
        .target(
            name: "ContainLearn",
            dependencies: ["ContainProfile", "ContainAudit", "ContainRuleKit", "ContainShellRules", "ContainKubeRules"],
            path: "Sources/ContainLearn"),
        .target(
            name: "ContainCLI",
            dependencies: [
                "ContainProfile", "ContainSandbox", "ContainMCP", "ContainAudit", "ContainLearn", "ContainRuleKit",
                "ContainThreads",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/ContainCLI"),
        .executableTarget(name: "contain", dependencies: ["ContainCLI", "CContainEarly"], path: "Sources/contain"),
        // Shared by the test targets only (seeded generators for fuzz and corpus tests).
        .target(name: "ContainTestSupport", path: "Tests/ContainTestSupport"),
        .testTarget(name: "ContainProfileTests", dependencies: ["ContainTestSupport", "ContainProfile"], path: "Tests/ContainProfileTests",
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "ContainYAMLTests", dependencies: ["ContainTestSupport", "ContainYAML", "ContainProfile", "ContainKubeRules"],
                    path: "Tests/ContainYAMLTests"),
        .testTarget(name: "ContainRuleKitTests", dependencies: ["ContainTestSupport", "ContainRuleKit"], path: "Tests/ContainRuleKitTests"),
        .testTarget(name: "ContainShellRulesTests", dependencies: ["ContainShellRules", "ContainRuleKit", "ContainProfile"],
                    path: "Tests/ContainShellRulesTests"),
        .testTarget(name: "ContainPathRulesTests", dependencies: ["ContainPathRules", "ContainRuleKit", "ContainProfile"],
                    path: "Tests/ContainPathRulesTests"),
        .testTarget(name: "ContainKubeRulesTests", dependencies: ["ContainKubeRules", "ContainRuleKit", "ContainProfile"],
                    path: "Tests/ContainKubeRulesTests"),
        .testTarget(name: "ContainLearnTests", dependencies: ["ContainLearn", "ContainProfile", "ContainAudit"],
                    path: "Tests/ContainLearnTests"),
        .testTarget(name: "ContainMCPTests", dependencies: ["ContainTestSupport", "ContainMCP", "ContainProfile", "ContainAudit", "ContainRuleKit"],
                    path: "Tests/ContainMCPTests"),
        .testTarget(name: "ContainCLITests", dependencies: ["ContainTestSupport", "ContainCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                    path: "Tests/ContainCLITests"),
        .testTarget(name: "ContainSandboxTests", dependencies: ["ContainSandbox", "ContainProfile"],
                    path: "Tests/ContainSandboxTests"),
    ],
    swiftLanguageModes: [.v6]
)
