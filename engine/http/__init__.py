"""The HTTP side: our HTTP/1.1 connection layer, the API front, and the Quart pages app.

Layering: `messages` (plain request/response objects) <- `protocol` (one connection) <-
`listener` (accepting, the connection cap); `front` (routing, admission, deadlines) uses
`api` (the `/v1/*` handlers) and hands other paths to `pages` (Quart) through `asgi`.
Nothing here imports `engine.runtime.server`.
"""

from engine.http.appstate import AppState

__all__ = ["AppState"]
