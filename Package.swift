// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "gatehouse",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gatehouse", targets: ["Gatehouse"]),
        .library(name: "GatehouseKafka", targets: ["GatehouseKafka"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
    ],
    targets: [
        // librdkafka 2.0.2 from Debian's librdkafka-dev, plus a prefixed shim for its variadic functions.
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"]), .brew(["librdkafka"])]
        ),
        // The Kafka layer: producer, consumer, admin and the embedded cluster. The only target that imports CRdKafka.
        .target(
            name: "GatehouseKafka",
            dependencies: [
                "CRdKafka",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The `gatehouse` command line.
        .executableTarget(
            name: "Gatehouse",
            dependencies: [
                "GatehouseKafka",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The in-repo benchmark (see bench/README.md). Not a test: it prints figures.
        .executableTarget(
            name: "GatehouseBench",
            dependencies: [
                "GatehouseKafka",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "bench/Sources/GatehouseBench",
            swiftSettings: swiftSettings
        ),
        // Fixtures shared by the test targets: embedded clusters, unique names, deadlines.
        .target(
            name: "GatehouseTestSupport",
            dependencies: [
                "GatehouseKafka",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/GatehouseTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatehouseKafkaTests",
            dependencies: [
                "Gatehouse",
                "GatehouseKafka",
                "GatehouseTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
