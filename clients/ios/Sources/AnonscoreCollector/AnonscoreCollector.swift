// The session flow of an iOS app, with bounded retries that never hold up the application:
//
//   1. POST /v1/sessions {"site_key"}                  -> 201 {"session_id", "collect": {...}}
//   2. POST /v1/collect {"session_id", "site_key", "channel": "ios", "attributes"} -> 202
//   3. the app sends session_id to the lender's back-end with the application; the back-end
//      calls POST /v1/score with its API key (never the app: the API key is secret).
//
// Requests go out through URLSession with its own User-Agent ("LoanApp/5.2 CFNetwork/1498.700.2
// Darwin/23.6.0": the bundle name and version, CFNetwork's and Darwin's) and no Origin header
// (the service checks Origin only for pages). 429 and 503 are retried after Retry-After
// (capped), other 5xx and network errors after an exponential back-off with jitter, at most
// `maxAttempts` times per request; any other 4xx is not retried (the request itself is
// wrong). The whole flow has one time budget: when it runs out, collect() returns nil and the
// app submits the application without a session ID.
import Foundation
import Network

/// What the lender's app configures; nothing here comes from the user.
public struct AnonscoreConfig {
    /// The service, e.g. https://risk.example.com
    public var baseURL: URL
    /// The tenant's public site key (config/tenants.toml `site_key`); never the API key.
    public var siteKey: String
    /// Send `device_id_hash` (identifierForVendor, hashed here and again by the service).
    public var sendVendorIdHash = true
    /// The bundle ID the app is published under; nil: `app_signature_mismatch` not sent.
    public var expectedBundleId: String?
    /// The whole flow (both requests, retries included), seconds.
    public var budget: TimeInterval = 4
    /// Attempts per request, the first included.
    public var maxAttempts = 3

    public init(baseURL: URL, siteKey: String) {
        self.baseURL = baseURL
        self.siteKey = siteKey
    }
}

public final class AnonscoreCollector {
    private let config: AnonscoreConfig
    private let session: URLSession
    private let startedAt = Date() // create it when the application screen opens

    public init(config: AnonscoreConfig, session: URLSession = .shared) {
        self.config = config
        self.session = session
    }

    /// Creates a session and posts the payload; the session ID to send to the lender's back-end
    /// with the application, or nil when the service did not answer within the budget.
    @MainActor
    public func collect() async -> String? {
        let deadline = Date().addingTimeInterval(config.budget)
        guard let created = await post("/v1/sessions", ["site_key": config.siteKey], deadline: deadline),
            let sessionId = created["session_id"] as? String
        else { return nil }
        let enabled = created["collect"] as? [String: Bool] ?? [:]
        let path = await currentPath(waiting: 0.5)
        let body: [String: Any] = [
            "session_id": sessionId,
            "site_key": config.siteKey,
            "channel": "ios",
            "attributes": buildAttributes(config: config, enabled: enabled, startedAt: startedAt, path: path),
        ]
        return await post("/v1/collect", body, deadline: deadline) != nil ? sessionId : nil
    }

    /// One POST with bounded retries; the answer's JSON, or nil when it failed for good.
    private func post(_ route: String, _ body: [String: Any], deadline: Date) async -> [String: Any]? {
        guard let url = URL(string: route, relativeTo: config.baseURL),
            let data = try? JSONSerialization.data(withJSONObject: body)
        else { return nil }
        var backoff: TimeInterval = 0.25
        for attempt in 1...config.maxAttempts {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return nil }
            var request = URLRequest(url: url, timeoutInterval: remaining)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = data
            var wait = backoff
            do {
                let (answer, response) = try await session.data(for: request)
                let http = response as? HTTPURLResponse
                switch http?.statusCode ?? 0 {
                case 200..<300:
                    return (try? JSONSerialization.jsonObject(with: answer)) as? [String: Any] ?? [:]
                case 429, 503:
                    wait = http?.value(forHTTPHeaderField: "Retry-After").flatMap(TimeInterval.init).map { min($0, 2) }
                        ?? backoff
                case 500...:
                    break
                default:
                    return nil // 4xx: retrying the same request cannot help
                }
            } catch {
                // offline, a reset, a timeout: retried
            }
            if attempt == config.maxAttempts || wait >= deadline.timeIntervalSinceNow { return nil }
            try? await Task.sleep(nanoseconds: UInt64((wait + Double.random(in: 0...(wait / 4))) * 1e9))
            backoff *= 2
        }
        return nil
    }
}

/// The current network path: NWPathMonitor's first update, or nil after `waiting` seconds.
private func currentPath(waiting: TimeInterval) async -> NWPath? {
    let monitor = NWPathMonitor()
    let queue = DispatchQueue(label: "org.anonscore.path")
    let once = Once()
    return await withCheckedContinuation { continuation in
        let finish: @Sendable (NWPath?) -> Void = { path in
            guard once.claim() else { return }
            monitor.cancel()
            continuation.resume(returning: path)
        }
        monitor.pathUpdateHandler = { finish($0) }
        monitor.start(queue: queue)
        queue.asyncAfter(deadline: .now() + waiting) { finish(nil) }
    }
}

/// True for the first caller only: the continuation above is resumed exactly once.
private final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false

    func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if done { return false }
        done = true
        return true
    }
}
