"""The HTTP side: our HTTP/1.1 connection layer, the API front, and the Quart pages app.

Layering: the connection layer is a small library that knows nothing of the service:
`messages` (plain request/response objects and the error shape), `heads` (the canonical
path, Host, framing) and `parsing` (httptools made into a queue of requests) <- `protocol`
(one connection) <- `listener` (accepting, the connection caps, with `fairness`); it imports
only `engine.errors`, never the service, scoring or storage (a contract in pyproject.toml),
and this package imports nothing on its own. Above it, `front` (routing by the one table
of `routes`, admission, deadlines) uses `api` (the `/v1/*` handlers) and `fastpages`
(probes, metrics, the collector script, `openapi`) and hands the HTML pages to `pages`
(Quart) through `asgi`; `appstate` and `client` bridge to the service. Nothing here imports
`engine.runtime`. docs/http.md has the limits and the conformance choices.
"""
