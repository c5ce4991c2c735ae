// The integrity booleans of the payload (engine/schema.py names the platform API behind each):
// device.jailbroken, device.simulator, software.hooking_framework, software.debugger_attached
// (software.app_signature_mismatch is a bundle ID comparison in Payload.swift). Cheap,
// documented checks only, run once per collect. A careful attacker can hide from each of
// them; the service counts only `true`.
//
// Not done here: fork() (unavailable from Swift), App Attest / DeviceCheck (a round trip
// through Apple and the lender's back-end; a lender that has it can set `jailbroken` from it).
import Darwin
import Foundation
import MachO
import UIKit

enum Integrity {
    private static let jailbreakPaths = [
        "/Applications/Cydia.app", "/Applications/Sileo.app", "/var/jb", "/bin/bash", "/usr/sbin/sshd",
        "/Library/MobileSubstrate/MobileSubstrate.dylib",
    ]
    private static let hookImages = [
        "frida", "FridaGadget", "MobileSubstrate", "SubstrateLoader", "libsubstitute", "libhooker", "TweakInject",
        "ellekit",
    ]

    /// Jailbreak files (FileManager.fileExists), a write outside the sandbox, DYLD_INSERT_LIBRARIES,
    /// or a cydia:// URL that opens (the app lists "cydia" in LSApplicationQueriesSchemes).
    @MainActor
    static func jailbroken() -> Bool {
        #if targetEnvironment(simulator)
            return false // the simulator sees the Mac's own /bin/bash
        #else
            if jailbreakPaths.contains(where: { FileManager.default.fileExists(atPath: $0) }) { return true }
            if writesOutsideSandbox() { return true }
            if getenv("DYLD_INSERT_LIBRARIES") != nil { return true }
            if let url = URL(string: "cydia://"), UIApplication.shared.canOpenURL(url) { return true }
            return false
        #endif
    }

    /// Built for the simulator, or SIMULATOR_DEVICE_NAME in the environment (ProcessInfo).
    static func simulator() -> Bool {
        #if targetEnvironment(simulator)
            return true
        #else
            return ProcessInfo.processInfo.environment["SIMULATOR_DEVICE_NAME"] != nil
        #endif
    }

    /// Frida, Substrate, Substitute, libhooker or ElleKit among the loaded images (dyld).
    static func hookingFramework() -> Bool {
        for index in 0..<_dyld_image_count() {
            guard let raw = _dyld_get_image_name(index) else { continue }
            let image = String(cString: raw)
            if hookImages.contains(where: { image.localizedCaseInsensitiveContains($0) }) { return true }
        }
        return false
    }

    /// sysctl(KERN_PROC_PID) of our own process: P_TRACED in kp_proc.p_flag.
    static func debuggerAttached() -> Bool {
        var info = kinfo_proc()
        var mib: [Int32] = [CTL_KERN, KERN_PROC, KERN_PROC_PID, getpid()]
        var size = MemoryLayout<kinfo_proc>.stride
        let result = sysctl(&mib, UInt32(mib.count), &info, &size, nil, 0)
        return result == 0 && (info.kp_proc.p_flag & P_TRACED) != 0
    }

    private static func writesOutsideSandbox() -> Bool {
        let probe = "/private/anonscore-\(UUID().uuidString)"
        do {
            try "probe".write(toFile: probe, atomically: false, encoding: .utf8)
            try? FileManager.default.removeItem(atPath: probe)
            return true
        } catch {
            return false
        }
    }
}
