// The session flow of an Android app, with bounded retries that never hold up the application:
//
//   1. POST /v1/sessions {"site_key"}                  -> 201 {"session_id", "collect": {...}}
//   2. POST /v1/collect {"session_id", "site_key", "channel": "android", "attributes"} -> 202
//   3. the app sends session_id to the lender's back-end with the application; the back-end
//      calls POST /v1/score with its API key (never the app: the API key is secret).
//
// Requests go out through OkHttp with its own User-Agent ("okhttp/4.12.0"), or the app's if it
// sets one (AnonscoreConfig.userAgent); no Origin header (the service checks Origin only for
// pages). 429 and 503 are retried after Retry-After (capped), other 5xx and network errors
// after an exponential back-off with jitter, at most `maxAttempts` times per request; any other
// 4xx is not retried (the request itself is wrong). The whole flow has one time budget: when it
// runs out, collect() returns null and the app submits the application without a session ID.
package org.anonscore.collector

import android.content.Context
import android.os.SystemClock
import java.io.IOException
import java.util.concurrent.TimeUnit
import kotlin.coroutines.resumeWithException
import kotlin.random.Random
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.delay
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import okhttp3.Call
import okhttp3.Callback
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import okhttp3.Response
import org.json.JSONObject

/** What the lender's app configures; nothing here comes from the user. */
data class AnonscoreConfig(
    /** The service, e.g. "https://risk.example.com" (no trailing path). */
    val baseUrl: String,
    /** The tenant's public site key (config/tenants.toml `site_key`); never the API key. */
    val siteKey: String,
    /** The app's own `!BuildConfig.DEBUG`: a debuggable release build counts as tampering. */
    val releaseBuild: Boolean,
    /** Send `device_id_hash` (ANDROID_ID, hashed here and again by the service). */
    val sendInstallIdHash: Boolean = true,
    /** SHA-256 of the app's signing certificate, hex; null: `app_signature_mismatch` not sent. */
    val signingCertSha256: String? = null,
    /** Category -> package names, each also declared in the app's manifest <queries>; counts only are sent. */
    val appCategories: Map<String, List<String>> = emptyMap(),
    /** The app's own User-Agent; null keeps OkHttp's ("okhttp/4.12.0"). */
    val userAgent: String? = null,
    /** The whole flow (both requests, retries included); then the app goes on without a session. */
    val budgetMillis: Long = 4_000,
    /** Attempts per request, the first included. */
    val maxAttempts: Int = 3,
)

class AnonscoreCollector(
    context: Context,
    private val config: AnonscoreConfig,
    private val http: OkHttpClient = defaultClient(),
) {
    private val context = context.applicationContext
    private val startedAt = SystemClock.elapsedRealtime() // create it when the application screen opens

    /**
     * Creates a session and posts the payload; the session ID to send to the lender's back-end
     * with the application, or null when the service did not answer within the budget.
     */
    suspend fun collect(): String? = withTimeoutOrNull(config.budgetMillis) {
        val session = post("/v1/sessions", JSONObject().put("site_key", config.siteKey)) ?: return@withTimeoutOrNull null
        val sessionId = session.getString("session_id")
        val enabled = session.optJSONObject("collect")?.let { c ->
            c.keys().asSequence().associateWith { c.optBoolean(it) }
        }.orEmpty()
        val attributes = withContext(Dispatchers.IO) { buildAttributes(context, config, enabled, startedAt) }
        val body = JSONObject()
            .put("session_id", sessionId)
            .put("site_key", config.siteKey)
            .put("channel", "android")
            .put("attributes", attributes)
        post("/v1/collect", body)?.let { sessionId }
    }

    /** One POST with bounded retries; the answer's JSON, or null when it failed for good. */
    private suspend fun post(path: String, body: JSONObject): JSONObject? {
        var backoff = FIRST_BACKOFF_MS
        repeat(config.maxAttempts) { attempt ->
            val request = Request.Builder()
                .url(config.baseUrl.trimEnd('/') + path)
                .post(body.toString().toRequestBody(JSON))
                .apply { config.userAgent?.let { header("User-Agent", it) } }
                .build()
            val wait = try {
                http.newCall(request).await().use { response ->
                    when {
                        response.isSuccessful -> return JSONObject(response.body?.string() ?: "{}")
                        response.code == 429 || response.code == 503 -> retryAfterMillis(response) ?: backoff
                        response.code >= 500 -> backoff
                        else -> return null // 4xx: retrying the same request cannot help
                    }
                }
            } catch (e: IOException) {
                backoff // no connection, a reset, a timeout
            }
            if (attempt == config.maxAttempts - 1) return null
            delay(wait + Random.nextLong(wait / 4 + 1))
            backoff *= 2
        }
        return null
    }

    private fun retryAfterMillis(response: Response): Long? =
        response.header("Retry-After")?.trim()?.toLongOrNull()?.let { minOf(it * 1000, MAX_RETRY_AFTER_MS) }

    companion object {
        private val JSON = "application/json; charset=utf-8".toMediaType()
        private const val FIRST_BACKOFF_MS = 250L
        private const val MAX_RETRY_AFTER_MS = 2_000L

        fun defaultClient(): OkHttpClient = OkHttpClient.Builder()
            .connectTimeout(2, TimeUnit.SECONDS)
            .callTimeout(3, TimeUnit.SECONDS)
            .build()
    }
}

/** OkHttp's asynchronous call as a suspending one: cancelling the coroutine cancels the call. */
private suspend fun Call.await(): Response = suspendCancellableCoroutine { cont ->
    cont.invokeOnCancellation { cancel() }
    enqueue(object : Callback {
        override fun onResponse(call: Call, response: Response) {
            cont.resume(response) { response.close() }
        }

        override fun onFailure(call: Call, e: IOException) {
            cont.resumeWithException(e)
        }
    })
}
