// The SDK payload of POST /v1/collect (channel "android"): every field, and the platform API
// it is read from. The field names are those of engine/schema.py (Attributes and its groups);
// tests/clients/test_mobile_sources.py reads them from the block between the two
// "anonscore:payload" markers below and checks each against the schema.
//
// Read: Build, DisplayMetrics, Runtime, ActivityManager.MemoryInfo, SensorManager,
// BatteryManager, StatFs, Settings.Secure.ANDROID_ID (hashed here, hashed again by the
// service), LocaleList, TimeZone, ConnectivityManager/NetworkCapabilities, TelephonyManager
// (operator name and SIM country, no permission needed), WifiManager.isWifiEnabled,
// BluetoothAdapter.isEnabled, PackageManager for the packages the app declares in <queries>
// (counted per category, never named), and the rough location only where the tenant enabled
// geolocation and the app itself already holds ACCESS_COARSE_LOCATION.
//
// Never read: contacts, messages, call logs, accounts, photos or media, the clipboard, the
// advertising ID, IMEI/MEID, the serial number, the phone number, the IMSI, the SIM serial,
// the Wi-Fi MAC or router BSSID, the list of installed apps, precise location. The SDK asks
// the user for no permission.
package org.anonscore.collector

import android.Manifest
import android.annotation.SuppressLint
import android.app.ActivityManager
import android.bluetooth.BluetoothManager
import android.content.Context
import android.content.pm.PackageManager
import android.hardware.Sensor
import android.hardware.SensorManager
import android.location.LocationManager
import android.net.ConnectivityManager
import android.net.NetworkCapabilities
import android.net.wifi.WifiManager
import android.os.BatteryManager
import android.os.Build
import android.os.Environment
import android.os.LocaleList
import android.os.StatFs
import android.os.SystemClock
import android.provider.Settings
import android.telephony.TelephonyManager
import java.security.MessageDigest
import java.util.TimeZone
import kotlin.math.roundToInt
import org.json.JSONArray
import org.json.JSONObject

/** The anonscore SDK's own version: `software.sdk_version`. */
const val SDK_VERSION = "1.0.0"

private const val MB = 1024L * 1024L
private const val GIB = 1024.0 * 1024.0 * 1024.0

// anonscore:payload-begin
/**
 * The `attributes` object of a collect request. `enabled` is the `collect` map of the session
 * answer (which optional attributes the tenant enabled); `startedAt` is when the application
 * screen opened (SystemClock.elapsedRealtime()).
 */
internal fun buildAttributes(
    context: Context,
    config: AnonscoreConfig,
    enabled: Map<String, Boolean>,
    startedAt: Long,
): JSONObject {
    val metrics = context.resources.displayMetrics
    val battery = context.getSystemService(BatteryManager::class.java)
    val storage = StatFs(Environment.getDataDirectory().path)
    val memory = ActivityManager.MemoryInfo().also {
        context.getSystemService(ActivityManager::class.java)?.getMemoryInfo(it)
    }
    val level = battery?.getIntProperty(BatteryManager.BATTERY_PROPERTY_CAPACITY)?.takeIf { it in 0..100 }

    val device = JSONObject()
    device.put("manufacturer", Build.MANUFACTURER)
    device.put("brand", Build.BRAND)
    device.put("model", Build.MODEL)
    device.put("hardware", Build.HARDWARE)
    device.put("product", Build.PRODUCT)
    device.put("build_fingerprint", Build.FINGERPRINT)
    device.put("screen_width", (metrics.widthPixels / metrics.density).roundToInt())
    device.put("screen_height", (metrics.heightPixels / metrics.density).roundToInt())
    device.put("pixel_ratio", metrics.density.toDouble())
    device.put("hardware_concurrency", Runtime.getRuntime().availableProcessors())
    if (memory.totalMem > 0) device.put("device_memory", (memory.totalMem / GIB * 10).roundToInt() / 10.0)
    device.put("sensors", JSONArray(sensorNames(context)))
    device.put("battery_level", level?.div(100.0))
    device.put("battery_charging", battery?.isCharging)
    device.put("storage_total_mb", storage.totalBytes / MB)
    device.put("storage_free_mb", storage.availableBytes / MB)
    if (config.sendInstallIdHash) device.put("device_id_hash", installIdHash(context))
    device.put("rooted", Integrity.rooted(context))
    device.put("simulator", Integrity.emulator())

    val software = JSONObject()
    software.put("os", "Android")
    software.put("os_version", Build.VERSION.RELEASE)
    software.put("user_agent", System.getProperty("http.agent"))
    software.put("app_id", context.packageName)
    software.put("app_version", appVersion(context))
    software.put("sdk_version", SDK_VERSION)
    software.put("languages", JSONArray(LocaleList.getDefault().toLanguageTags().split(",")))
    software.put("timezone", TimeZone.getDefault().id)
    software.put("timezone_offset_min", TimeZone.getDefault().getOffset(System.currentTimeMillis()) / 60_000)
    software.put("hooking_framework", Integrity.hookingFramework())
    software.put("debugger_attached", Integrity.debuggerAttached(context, config.releaseBuild))
    software.put("app_signature_mismatch", Integrity.signatureMismatch(context, config.signingCertSha256))

    val connectivity = context.getSystemService(ConnectivityManager::class.java)
    val caps = connectivity?.getNetworkCapabilities(connectivity.activeNetwork)
    val telephony = context.getSystemService(TelephonyManager::class.java)
    val network = JSONObject()
    network.put("connection_type", connectionType(caps))
    network.put("downlink_mbps", caps?.linkDownstreamBandwidthKbps?.div(1000.0))
    network.put("vpn_active", caps?.hasTransport(NetworkCapabilities.TRANSPORT_VPN))
    network.put("proxy_configured", connectivity?.let { it.defaultProxy != null })
    network.put("carrier", telephony?.networkOperatorName?.takeIf { it.isNotBlank() })
    network.put("sim_country", telephony?.simCountryIso?.takeIf { it.isNotBlank() }?.uppercase())
    network.put("wifi_on", context.getSystemService(WifiManager::class.java)?.isWifiEnabled)
    network.put("bluetooth_on", bluetoothOn(context))

    val behaviour = JSONObject()
    behaviour.put("time_on_page_ms", SystemClock.elapsedRealtime() - startedAt)

    val apps = JSONObject()
    if (config.appCategories.isNotEmpty()) {
        apps.put("category_counts", JSONObject(categoryCounts(context, config.appCategories)))
    }

    val location = JSONObject()
    if (enabled["geolocation"] == true) roughLocation(context)?.let { (lat, lon, accuracy) ->
        location.put("lat", lat)
        location.put("lon", lon)
        location.put("accuracy_m", accuracy)
    }

    return JSONObject()
        .put("device", device)
        .put("software", software)
        .put("network", network)
        .put("behaviour", behaviour)
        .put("apps", apps)
        .put("location", location)
}
// anonscore:payload-end

/** Sensor.getName() of every sensor (SensorManager.getSensorList(TYPE_ALL)). */
private fun sensorNames(context: Context): List<String> =
    context.getSystemService(SensorManager::class.java)
        ?.getSensorList(Sensor.TYPE_ALL)
        ?.map { it.name }
        ?.take(256)
        .orEmpty()

/**
 * Settings.Secure.ANDROID_ID (since Android 8 scoped to the app's signing key, the user and
 * the device; reset by a factory reset), sent only as a SHA-256 with the package name mixed
 * in, cut to 32 hex characters. The service truncates and keyed-hashes it once more.
 */
@SuppressLint("HardwareIds")
private fun installIdHash(context: Context): String? {
    val id = Settings.Secure.getString(context.contentResolver, Settings.Secure.ANDROID_ID) ?: return null
    val digest = MessageDigest.getInstance("SHA-256").digest("${context.packageName}:$id".toByteArray())
    return digest.joinToString("") { "%02x".format(it) }.take(32)
}

private fun appVersion(context: Context): String? =
    try {
        context.packageManager.getPackageInfo(context.packageName, 0).versionName
    } catch (e: PackageManager.NameNotFoundException) {
        null
    }

private fun connectionType(caps: NetworkCapabilities?): String? = when {
    caps == null -> "none"
    caps.hasTransport(NetworkCapabilities.TRANSPORT_WIFI) -> "wifi"
    caps.hasTransport(NetworkCapabilities.TRANSPORT_CELLULAR) -> "cellular"
    caps.hasTransport(NetworkCapabilities.TRANSPORT_ETHERNET) -> "ethernet"
    else -> null
}

/** BluetoothAdapter.isEnabled: the BLUETOOTH install-time permission up to Android 11, none since. */
private fun bluetoothOn(context: Context): Boolean? =
    try {
        context.getSystemService(BluetoothManager::class.java)?.adapter?.isEnabled
    } catch (e: SecurityException) {
        null
    }

/**
 * How many of the packages the app lists per category are installed: counts only. Android 11+
 * shows an app only the packages its manifest declares in <queries>, so the lender declares
 * the same names there (see AndroidManifest.xml); nothing enumerates the installed apps.
 */
private fun categoryCounts(context: Context, categories: Map<String, List<String>>): Map<String, Int> =
    categories.mapValues { (_, packages) ->
        packages.count { name ->
            try {
                context.packageManager.getPackageInfo(name, 0)
                true
            } catch (e: PackageManager.NameNotFoundException) {
                false
            }
        }
    }

/**
 * The last network-based fix, rounded to 2 decimals (about 1 km), only when the app already
 * holds ACCESS_COARSE_LOCATION for its own reasons: the SDK never asks for it. Called only
 * when the tenant enabled `geolocation`; the service rounds again before storing.
 */
@SuppressLint("MissingPermission")
private fun roughLocation(context: Context): Triple<Double, Double, Double>? {
    val granted = context.checkSelfPermission(Manifest.permission.ACCESS_COARSE_LOCATION)
    if (granted != PackageManager.PERMISSION_GRANTED) return null
    val fix = context.getSystemService(LocationManager::class.java)
        ?.getLastKnownLocation(LocationManager.NETWORK_PROVIDER) ?: return null
    val round = { v: Double -> Math.round(v * 100) / 100.0 }
    return Triple(round(fix.latitude), round(fix.longitude), maxOf(fix.accuracy.toDouble(), 1000.0))
}
