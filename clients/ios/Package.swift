// swift-tools-version:5.9
// The reference collector as a Swift package. It is not built by this repository (no Xcode
// or iOS SDK here); these are the platform and tools versions it was written against.
import PackageDescription

let package = Package(
    name: "AnonscoreCollector",
    platforms: [.iOS(.v15)],
    products: [.library(name: "AnonscoreCollector", targets: ["AnonscoreCollector"])],
    targets: [.target(name: "AnonscoreCollector")]
)
