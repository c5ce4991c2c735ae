"""The clients: one policy (timeouts, retries, errors, fail mode), two transports.

`Client` (httpx.Client) and `AsyncClient` (httpx.AsyncClient, for asyncio or Trio) share
`_Policy`, which decides from each answer whether to return, retry or raise; only the
waiting and the sending differ.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import httpx
import msgspec

from anonscore_client._errors import AnonscoreError, ServiceUnavailable, error_class
from anonscore_client._models import Attribute, Erasure, Label, Reason, Score, _ErrorBody

T = TypeVar("T")
FailMode = Literal["raise", "open", "closed"]
"""What `score` does when the service cannot answer in time: raise `ServiceUnavailable`
(or `Overloaded`), or answer a made-up `Score` with `fallback=True` and a score of 0.0
("open": let the application through) or 1.0 ("closed": hold it for review)."""

RETRY_STATUSES = frozenset({429, 503})
DEFAULT_TIMEOUT_S = 2.0
USER_AGENT = "anonscore-client-python/0.1.0"


@dataclass(frozen=True)
class _Call:
    method: str
    path: str
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class _Retry:
    delay: float


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _Policy:
    def __init__(self, max_retries: int, max_wait_s: float, backoff_s: float) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.max_retries = max_retries
        self.max_wait_s = max_wait_s
        self.backoff_s = backoff_s

    def error(self, response: httpx.Response) -> AnonscoreError:
        retry_after = _retry_after(response.headers.get("retry-after"))
        try:
            detail = msgspec.json.decode(response.content, type=_ErrorBody).error
        except msgspec.DecodeError:
            cls = error_class(response.status_code, None)
            return cls(
                f"HTTP {response.status_code} without the API's error body",
                status=response.status_code,
                retry_after=retry_after,
            )
        cls = error_class(response.status_code, detail.code)
        return cls(
            detail.message,
            status=response.status_code,
            code=detail.code,
            field=detail.field,
            retry_after=retry_after,
        )

    def decide(self, response: httpx.Response, attempt: int, waited: float) -> _Retry | None:
        """None: the answer stands (success or an error to raise); else wait and retry."""
        if response.status_code not in RETRY_STATUSES or attempt >= self.max_retries:
            return None
        hinted = _retry_after(response.headers.get("retry-after"))
        delay = hinted if hinted is not None else self.backoff_s * 2**attempt
        delay *= 1 + random.uniform(0, 0.1)  # spread the retries of many clients
        if waited + delay > self.max_wait_s:
            return None
        return _Retry(delay)


def _fallback(session_id: str, mode: FailMode) -> Score:
    return Score(
        session_id=session_id,
        score=0.0 if mode == "open" else 1.0,
        device_id=None,
        device_confidence=0.0,
        user_id=None,
        flags={},
        attributes={},
        reasons=[Reason(code="SERVICE_UNAVAILABLE", contribution=0.0)],
        model_version="fallback",
        fallback=True,
    )


def _check_mode(mode: str) -> FailMode:
    if mode not in ("raise", "open", "closed"):
        raise ValueError("on_unavailable must be 'raise', 'open' or 'closed'")
    return mode  # type: ignore[return-value]


def _headers(api_key: str) -> dict[str, str]:
    if not api_key:
        raise ValueError("api_key must not be empty")
    return {"Authorization": f"Bearer {api_key}", "User-Agent": USER_AGENT}


_UNAVAILABLE = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


class _Base:
    def __init__(
        self,
        on_unavailable: FailMode,
        max_retries: int,
        max_retry_wait_s: float,
        backoff_s: float,
    ) -> None:
        self.on_unavailable = _check_mode(on_unavailable)
        self._policy = _Policy(max_retries, max_retry_wait_s, backoff_s)

    def _answer(self, response: httpx.Response, kind: type[T]) -> T:
        if response.status_code >= 400:
            raise self._policy.error(response)
        return msgspec.json.decode(response.content, type=kind)

    def _score_failed(self, session_id: str, exc: AnonscoreError) -> Score:
        unavailable = isinstance(exc, ServiceUnavailable) or exc.status == 503
        if unavailable and self.on_unavailable != "raise":
            return _fallback(session_id, self.on_unavailable)
        raise exc


class Client(_Base):
    """The synchronous client. Use it as a context manager, or call `close()`."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        on_unavailable: FailMode = "raise",
        max_retries: int = 2,
        max_retry_wait_s: float = 5.0,
        backoff_s: float = 0.2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(on_unavailable, max_retries, max_retry_wait_s, backoff_s)
        self._http = httpx.Client(
            base_url=base_url, headers=_headers(api_key), timeout=timeout_s, transport=transport
        )
        self._sleep: Callable[[float], None] = time.sleep

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, call: _Call) -> httpx.Response:
        waited = 0.0
        attempt = 0
        while True:
            try:
                response = self._http.request(call.method, call.path, json=call.body)
            except _UNAVAILABLE as exc:
                raise ServiceUnavailable(
                    f"no answer from the service: {type(exc).__name__}"
                ) from exc
            retry = self._policy.decide(response, attempt, waited)
            if retry is None:
                return response
            self._sleep(retry.delay)
            waited += retry.delay
            attempt += 1

    def score(self, session_id: str) -> Score:
        """Score a session the page collected (idempotent: a second call answers the same)."""
        try:
            return self._answer(
                self._send(_Call("POST", "/v1/score", {"session_id": session_id})), Score
            )
        except AnonscoreError as exc:
            return self._score_failed(session_id, exc)

    def feedback(self, session_id: str, label: Label) -> None:
        """Report the outcome of a scored session: "fraud", "damage" or "good"."""
        self._answer(
            self._send(_Call("POST", "/v1/feedback", {"session_id": session_id, "label": label})),
            dict,
        )

    def erase_session(self, session_id: str) -> Erasure:
        return self._answer(
            self._send(_Call("POST", "/v1/erasure", {"session_id": session_id})), Erasure
        )

    def erase_device(self, device_id: str) -> Erasure:
        return self._answer(
            self._send(_Call("POST", "/v1/erasure", {"device_id": device_id})), Erasure
        )

    def attributes(self) -> list[Attribute]:
        """The open attribute catalogue, with `enabled` for this tenant."""
        return self._answer(self._send(_Call("GET", "/v1/attributes")), list[Attribute])


class AsyncClient(_Base):
    """The asynchronous client (asyncio or Trio, through httpx). `async with` it."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        on_unavailable: FailMode = "raise",
        max_retries: int = 2,
        max_retry_wait_s: float = 5.0,
        backoff_s: float = 0.2,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(on_unavailable, max_retries, max_retry_wait_s, backoff_s)
        self._http = httpx.AsyncClient(
            base_url=base_url, headers=_headers(api_key), timeout=timeout_s, transport=transport
        )

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _send(self, call: _Call) -> httpx.Response:
        import anyio  # httpx's own dependency: sleeps on whichever loop runs us

        waited = 0.0
        attempt = 0
        while True:
            try:
                response = await self._http.request(call.method, call.path, json=call.body)
            except _UNAVAILABLE as exc:
                raise ServiceUnavailable(
                    f"no answer from the service: {type(exc).__name__}"
                ) from exc
            retry = self._policy.decide(response, attempt, waited)
            if retry is None:
                return response
            await anyio.sleep(retry.delay)
            waited += retry.delay
            attempt += 1

    async def score(self, session_id: str) -> Score:
        try:
            response = await self._send(_Call("POST", "/v1/score", {"session_id": session_id}))
            return self._answer(response, Score)
        except AnonscoreError as exc:
            return self._score_failed(session_id, exc)

    async def feedback(self, session_id: str, label: Label) -> None:
        body = {"session_id": session_id, "label": label}
        self._answer(await self._send(_Call("POST", "/v1/feedback", body)), dict)

    async def erase_session(self, session_id: str) -> Erasure:
        response = await self._send(_Call("POST", "/v1/erasure", {"session_id": session_id}))
        return self._answer(response, Erasure)

    async def erase_device(self, device_id: str) -> Erasure:
        response = await self._send(_Call("POST", "/v1/erasure", {"device_id": device_id}))
        return self._answer(response, Erasure)

    async def attributes(self) -> list[Attribute]:
        return self._answer(await self._send(_Call("GET", "/v1/attributes")), list[Attribute])
