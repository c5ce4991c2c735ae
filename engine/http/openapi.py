"""`/openapi.json`, generated from the msgspec Structs (no hand-written schema)."""

from __future__ import annotations

from functools import cache
from typing import Any

import msgspec

from engine import schema as S
from engine.http.messages import ErrorResponse

_JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {_JSON: {"schema": _ref(name)}}}


def _resp(desc: str, name: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": desc}
    if name is not None:
        out["content"] = {_JSON: {"schema": _ref(name)}}
    return out


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): _resp("error", "ErrorResponse") for c in codes}


@cache
def openapi_document() -> bytes:
    types = [
        S.SessionRequest,
        S.SessionResponse,
        S.CollectRequest,
        S.CollectResponse,
        S.ScoreRequest,
        S.ScoreResponse,
        S.FeedbackRequest,
        S.FeedbackResponse,
        S.ErasureRequest,
        S.ErasureResponse,
        S.AttributeInfo,
        ErrorResponse,
    ]
    (_, components) = msgspec.json.schema_components(
        types, ref_template="#/components/schemas/{name}"
    )
    # exactly one of session_id or device_id: the server refuses {} and both (422)
    components["ErasureRequest"]["oneOf"] = [
        {"required": ["session_id"]},
        {"required": ["device_id"]},
    ]
    bearer: list[dict[str, list[str]]] = [{"apiKey": []}]
    operator: list[dict[str, list[str]]] = [{"operatorToken": []}]
    paths: dict[str, Any] = {
        "/v1/sessions": {
            "post": {
                "summary": "Create a session (collector side, site key, Origin checked)",
                "requestBody": _body("SessionRequest"),
                "responses": {
                    "201": _resp("session created", "SessionResponse"),
                    **_errors(400, 403, 408, 413, 415, 422, 429, 431, 503),
                },
            }
        },
        "/v1/collect": {
            "post": {
                "summary": "Post collected attributes for a session",
                "requestBody": _body("CollectRequest"),
                "responses": {
                    "202": _resp("accepted", "CollectResponse"),
                    **_errors(400, 403, 404, 408, 409, 410, 413, 415, 422, 429, 431, 503),
                },
            }
        },
        "/v1/score": {
            "post": {
                "summary": "Score a collected session",
                "security": bearer,
                "requestBody": _body("ScoreRequest"),
                "responses": {
                    "200": _resp("the score", "ScoreResponse"),
                    **_errors(400, 401, 404, 408, 409, 413, 415, 422, 431, 503),
                },
            }
        },
        "/v1/feedback": {
            "post": {
                "summary": "Report the outcome of a scored session",
                "security": bearer,
                "requestBody": _body("FeedbackRequest"),
                "responses": {
                    "202": _resp("recorded", "FeedbackResponse"),
                    # 409: not scored, or past feedback_window_days; 429: past the bound on
                    # fraud reports relative to the tenant's scored volume (docs/reputation.md)
                    **_errors(400, 401, 404, 408, 409, 413, 415, 422, 429, 431, 503),
                },
            }
        },
        "/v1/erasure": {
            "post": {
                "summary": "Erase a session or every session of a device",
                "security": bearer,
                "requestBody": _body("ErasureRequest"),
                "responses": {
                    "200": _resp("erased", "ErasureResponse"),
                    **_errors(400, 401, 408, 413, 415, 422, 431, 503),
                },
            }
        },
        "/v1/attributes": {
            "get": {
                "summary": "The open attribute catalogue",
                "security": bearer,
                "responses": {
                    "200": {
                        "description": "catalogue",
                        "content": {
                            _JSON: {"schema": {"type": "array", "items": _ref("AttributeInfo")}}
                        },
                    },
                    **_errors(401, 431, 503),
                },
            }
        },
        "/healthz": {"get": {"summary": "alive", "responses": {"200": _resp("alive")}}},
        "/readyz": {
            "get": {
                "summary": "ready to score",
                "responses": {"200": _resp("ready"), "503": _resp("starting")},
            }
        },
        "/console": {
            "get": {
                "summary": "operator page: aggregates from the metrics (operator token)",
                "security": operator,
                "responses": {
                    "200": {
                        "description": "HTML",
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    },
                    **_errors(401, 404),
                },
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics (operator token)",
                "security": operator,
                "responses": {
                    "200": {
                        "description": "metrics",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    **_errors(401, 404),
                },
            }
        },
    }
    doc = {
        "openapi": "3.1.0",
        "info": {
            "title": "anonscore",
            "version": "1",
            "description": "Privacy-first device-risk scoring. Errors always have the "
            "shape of ErrorResponse.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer"},
                "operatorToken": {"type": "http", "scheme": "bearer"},
            },
        },
    }
    return msgspec.json.encode(doc)
