// The SDK payload of POST /v1/collect (channel "ios"): every field, and the platform API it is
// read from. The field names are those of engine/schema.py (Attributes and its groups);
// tests/clients/test_mobile_sources.py reads them from the block between the two
// "anonscore:payload" markers below and checks each against the schema.
//
// Read: utsname.machine, UIScreen, ProcessInfo, CMMotionManager/CMAltimeter availability,
// UIDevice battery, the home volume's capacity (URLResourceValues), identifierForVendor
// (hashed here, hashed again by the service), Bundle.main, Locale.preferredLanguages,
// TimeZone, NWPath (interface types), CFNetworkCopySystemProxySettings, and the last location
// only where the tenant enabled geolocation and the app itself is already authorised.
//
// Never read: contacts (CNContactStore), photos (PHPhotoLibrary), messages, calendars, health
// data, the pasteboard, the advertising identifier (ASIdentifierManager), the device name,
// precise location. Not sent because iOS gives nothing reliable without asking the user or
// since iOS 16 (CTCarrier returns "--"): carrier, SIM country, Wi-Fi and Bluetooth state,
// installed apps. The SDK asks the user for no permission.
import CoreLocation
import CoreMotion
import CryptoKit
import Foundation
import Network
import UIKit

/// The anonscore SDK's own version: `software.sdk_version`.
public let anonscoreSDKVersion = "1.0.0"

private let mebibyte = 1_048_576.0
private let gibibyte = 1_073_741_824.0

// anonscore:payload-begin
/// The `attributes` object of a collect request. `enabled` is the `collect` map of the session
/// answer (which optional attributes the tenant enabled); `startedAt` is when the application
/// screen opened; `path` is the current network path (NWPathMonitor), nil when unknown.
@MainActor
func buildAttributes(config: AnonscoreConfig, enabled: [String: Bool], startedAt: Date, path: NWPath?) -> [String: Any] {
    let screen = UIScreen.main
    let phone = UIDevice.current
    phone.isBatteryMonitoringEnabled = true
    let process = ProcessInfo.processInfo
    let volume = try? URL(fileURLWithPath: NSHomeDirectory()).resourceValues(
        forKeys: [.volumeTotalCapacityKey, .volumeAvailableCapacityForImportantUsageKey])

    var device: [String: Any] = [:]
    device["manufacturer"] = "Apple"
    device["brand"] = "Apple"
    device["model"] = machineName()
    device["screen_width"] = Int(screen.bounds.width)
    device["screen_height"] = Int(screen.bounds.height)
    device["pixel_ratio"] = Double(screen.scale)
    device["hardware_concurrency"] = process.activeProcessorCount
    device["device_memory"] = (Double(process.physicalMemory) / gibibyte * 10).rounded() / 10
    device["sensors"] = sensorNames()
    if phone.batteryLevel >= 0 {
        device["battery_level"] = Double(phone.batteryLevel)
        device["battery_charging"] = phone.batteryState == .charging || phone.batteryState == .full
    }
    device["storage_total_mb"] = volume?.volumeTotalCapacity.map { Int(Double($0) / mebibyte) }
    device["storage_free_mb"] = volume?.volumeAvailableCapacityForImportantUsage.map { Int(Double($0) / mebibyte) }
    if config.sendVendorIdHash {
        device["device_id_hash"] = vendorIdHash()
    }
    device["jailbroken"] = Integrity.jailbroken()
    device["simulator"] = Integrity.simulator()

    var software: [String: Any] = [:]
    software["os"] = phone.systemName
    software["os_version"] = phone.systemVersion
    software["app_id"] = Bundle.main.bundleIdentifier
    software["app_version"] = Bundle.main.object(forInfoDictionaryKey: "CFBundleShortVersionString") as? String
    software["sdk_version"] = anonscoreSDKVersion
    software["languages"] = Array(Locale.preferredLanguages.prefix(32))
    software["timezone"] = TimeZone.current.identifier
    software["timezone_offset_min"] = TimeZone.current.secondsFromGMT() / 60
    software["hooking_framework"] = Integrity.hookingFramework()
    software["debugger_attached"] = Integrity.debuggerAttached()
    software["app_signature_mismatch"] = config.expectedBundleId.map { $0 != Bundle.main.bundleIdentifier }

    var network: [String: Any] = [:]
    network["connection_type"] = path.map(connectionType)
    network["vpn_active"] = path.map(tunnelIsTheRoute)
    network["proxy_configured"] = proxyConfigured()

    var behaviour: [String: Any] = [:]
    behaviour["time_on_page_ms"] = Int(Date().timeIntervalSince(startedAt) * 1000)

    var location: [String: Any] = [:]
    if enabled["geolocation"] == true, let fix = lastAuthorisedLocation() {
        location["lat"] = (fix.coordinate.latitude * 100).rounded() / 100
        location["lon"] = (fix.coordinate.longitude * 100).rounded() / 100
        location["accuracy_m"] = max(fix.horizontalAccuracy, 1000)
    }

    return ["device": device, "software": software, "network": network, "behaviour": behaviour, "location": location]
}
// anonscore:payload-end

/// utsname.machine: "iPhone15,4" on a phone; the Mac's "arm64" or "x86_64" in the simulator.
private func machineName() -> String {
    var info = utsname()
    uname(&info)
    return withUnsafeBytes(of: &info.machine) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
}

/// The motion sensors Core Motion says are present (no permission needed to ask).
private func sensorNames() -> [String] {
    let motion = CMMotionManager()
    var names: [String] = []
    if motion.isAccelerometerAvailable { names.append("accelerometer") }
    if motion.isGyroAvailable { names.append("gyroscope") }
    if motion.isMagnetometerAvailable { names.append("magnetometer") }
    if CMAltimeter.isRelativeAltitudeAvailable() { names.append("barometer") }
    return names
}

/// identifierForVendor (the same for every app of one vendor on one device; reset when they
/// are all removed) as SHA-256 with the bundle ID mixed in, cut to 32 hex characters.
@MainActor
private func vendorIdHash() -> String? {
    guard let id = UIDevice.current.identifierForVendor?.uuidString else { return nil }
    let digest = SHA256.hash(data: Data("\(Bundle.main.bundleIdentifier ?? ""):\(id)".utf8))
    return String(digest.map { String(format: "%02x", $0) }.joined().prefix(32))
}

private func connectionType(_ path: NWPath) -> String {
    if path.status != .satisfied { return "none" }
    if path.usesInterfaceType(.wifi) { return "wifi" }
    if path.usesInterfaceType(.cellular) { return "cellular" }
    if path.usesInterfaceType(.wiredEthernet) { return "ethernet" }
    return "other"
}

/// A VPN carries the default route: the path runs over a tunnel interface (type .other), or a
/// scoped proxy entry names an IPsec, PPP or tun/tap interface. Cheap, and blind to a split
/// tunnel that leaves the default route alone.
private func tunnelIsTheRoute(_ path: NWPath) -> Bool {
    if path.usesInterfaceType(.other) { return true }
    let settings = CFNetworkCopySystemProxySettings()?.takeRetainedValue() as? [String: Any]
    let scoped = settings?["__SCOPED__"] as? [String: Any] ?? [:]
    return scoped.keys.contains { key in ["ipsec", "ppp", "tap", "tun"].contains { key.hasPrefix($0) } }
}

/// An HTTP proxy or a PAC file is set for the current network (Settings > Wi-Fi > HTTP Proxy).
private func proxyConfigured() -> Bool? {
    guard let settings = CFNetworkCopySystemProxySettings()?.takeRetainedValue() as? [String: Any] else {
        return nil
    }
    let http = settings[kCFNetworkProxiesHTTPEnable as String] as? Int ?? 0
    let pac = settings[kCFNetworkProxiesProxyAutoConfigEnable as String] as? Int ?? 0
    return http == 1 || pac == 1
}

/// The last location Core Location holds, only when the app itself is already authorised:
/// the SDK never asks. Rounded to 2 decimals (about 1 km) here; the service rounds again.
private func lastAuthorisedLocation() -> CLLocation? {
    let manager = CLLocationManager()
    switch manager.authorizationStatus {
    case .authorizedWhenInUse, .authorizedAlways:
        return manager.location
    default:
        return nil
    }
}
