// The integrity booleans of the payload (engine/schema.py names the platform API behind each):
// device.rooted, device.simulator, software.hooking_framework, software.debugger_attached,
// software.app_signature_mismatch. Cheap, documented checks only, run once per collect: file
// existence, Build fields, /proc/self files of our own process, PackageManager. A careful
// attacker can hide from each of them; the service counts only `true`.
//
// Not done here: Play Integrity (its verdict needs a round trip through Google and the
// lender's back-end; a lender that has it can set `rooted` from a failing
// MEETS_DEVICE_INTEGRITY), and the frida-server port probe (a TCP connect on every collect).
package org.anonscore.collector

import android.content.Context
import android.content.pm.ApplicationInfo
import android.content.pm.PackageManager
import android.os.Build
import android.os.Debug
import java.io.File
import java.security.MessageDigest

internal object Integrity {
    private val SU_DIRS = listOf("/system/bin", "/system/xbin", "/sbin", "/su/bin", "/system/sbin", "/vendor/bin")
    private const val MAGISK_PACKAGE = "com.topjohnwu.magisk"
    private val HOOK_LIBRARIES = listOf("frida-agent", "frida-gadget", "libfrida", "XposedBridge", "liblspd", "libriru")

    /** Build.TAGS test-keys, an `su` binary in the usual places or on PATH, the Magisk app, a magisk mount. */
    fun rooted(context: Context): Boolean {
        if (Build.TAGS?.contains("test-keys") == true) return true
        val path = System.getenv("PATH").orEmpty().split(':').filter { it.isNotEmpty() }
        if ((SU_DIRS + path).distinct().any { File(it, "su").exists() }) return true
        if (installed(context, MAGISK_PACKAGE)) return true
        return readText("/proc/self/mounts").contains("magisk")
    }

    /** The emulator's build strings (Build.FINGERPRINT, HARDWARE, PRODUCT, MODEL): AVD, Genymotion, BlueStacks. */
    fun emulator(): Boolean {
        val fingerprint = Build.FINGERPRINT.lowercase()
        val hardware = Build.HARDWARE.lowercase()
        val product = Build.PRODUCT.lowercase()
        return fingerprint.startsWith("generic") ||
            fingerprint.startsWith("unknown") ||
            fingerprint.contains("sdk_gphone") ||
            hardware in setOf("goldfish", "ranchu", "vbox86") ||
            product.startsWith("sdk") ||
            product.contains("vbox86p") ||
            Build.MODEL.contains("Android SDK built for") ||
            Build.MANUFACTURER.contains("Genymotion")
    }

    /** Frida or Xposed/LSPosed in our own process: /proc/self/maps, or XposedBridge loadable. */
    fun hookingFramework(): Boolean {
        val maps = readText("/proc/self/maps")
        if (HOOK_LIBRARIES.any { maps.contains(it) }) return true
        return try {
            Class.forName("de.robv.android.xposed.XposedBridge")
            true
        } catch (e: ClassNotFoundException) {
            false
        }
    }

    /**
     * Debug.isDebuggerConnected(), TracerPid in /proc/self/status, or FLAG_DEBUGGABLE on what the
     * app says is its release build (`releaseBuild`: the app's own `!BuildConfig.DEBUG`).
     */
    fun debuggerAttached(context: Context, releaseBuild: Boolean): Boolean {
        if (Debug.isDebuggerConnected() || Debug.waitingForDebugger()) return true
        val tracer = readText("/proc/self/status").lineSequence()
            .firstOrNull { it.startsWith("TracerPid:") }
            ?.substringAfter(':')?.trim()?.toIntOrNull() ?: 0
        if (tracer != 0) return true
        val debuggable = context.applicationInfo.flags and ApplicationInfo.FLAG_DEBUGGABLE != 0
        return debuggable && releaseBuild
    }

    /**
     * The APK's signing certificate (PackageManager GET_SIGNING_CERTIFICATES, SigningInfo) against
     * the SHA-256 the lender compiled in; null when none was configured (nothing to compare).
     */
    fun signatureMismatch(context: Context, expectedSha256: String?): Boolean? {
        if (expectedSha256 == null || Build.VERSION.SDK_INT < Build.VERSION_CODES.P) return null
        val info = context.packageManager.getPackageInfo(context.packageName, PackageManager.GET_SIGNING_CERTIFICATES)
        val signers = info.signingInfo?.apkContentsSigners ?: return true
        val sha256 = MessageDigest.getInstance("SHA-256")
        val digests = signers.map { cert -> sha256.digest(cert.toByteArray()).joinToString("") { "%02x".format(it) } }
        return expectedSha256.lowercase().replace(":", "") !in digests
    }

    private fun installed(context: Context, name: String): Boolean =
        try {
            context.packageManager.getPackageInfo(name, 0)
            true
        } catch (e: PackageManager.NameNotFoundException) {
            false
        }

    private fun readText(path: String): String =
        try {
            File(path).readText()
        } catch (e: Exception) {
            ""
        }
}
