from __future__ import annotations

from engine.sessions.tokens import (
    TOKEN_LENGTH,
    new_token,
    open_token,
    session_hash,
    tenant_tag,
)

KEY = b"k" * 32


def test_round_trip_and_uniqueness() -> None:
    tokens = {new_token(KEY, 1_700_000_000.25, "demo") for _ in range(1000)}
    assert len(tokens) == 1000
    for t in list(tokens)[:10]:
        assert len(t) == TOKEN_LENGTH
        info = open_token(KEY, t)
        assert info is not None
        assert info.issued_at == 1_700_000_000.25
        assert info.tenant_tag == tenant_tag(KEY, "demo") != tenant_tag(KEY, "demo2")


def test_forged_truncated_and_foreign_tokens_are_rejected() -> None:
    t = new_token(KEY, 1_700_000_000.0, "demo")
    assert open_token(b"x" * 32, t) is None
    assert open_token(KEY, t[:-1]) is None
    assert open_token(KEY, t[:-2] + ("AA" if t[-2:] != "AA" else "BB")) is None
    assert open_token(KEY, "") is None
    assert open_token(KEY, "é" * TOKEN_LENGTH) is None
    assert open_token(KEY, "s2_" + "!" * (TOKEN_LENGTH - 3)) is None


def test_the_store_knows_a_session_only_by_a_keyed_hash() -> None:
    t = new_token(KEY, 1_700_000_000.0, "demo")
    sh = session_hash(b"h" * 32, t)
    assert len(sh) == 32
    assert t not in sh
    assert sh == session_hash(b"h" * 32, t) != session_hash(b"i" * 32, t)
