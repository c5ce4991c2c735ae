from __future__ import annotations

from engine.tokens import TOKEN_LENGTH, new_token, token_issued_at

KEY = b"k" * 32


def test_round_trip_and_uniqueness() -> None:
    tokens = {new_token(KEY, 1_700_000_000.25) for _ in range(1000)}
    assert len(tokens) == 1000
    for t in list(tokens)[:10]:
        assert len(t) == TOKEN_LENGTH
        assert token_issued_at(KEY, t) == 1_700_000_000.25


def test_forged_truncated_and_foreign_tokens_are_rejected() -> None:
    t = new_token(KEY, 1_700_000_000.0)
    assert token_issued_at(b"x" * 32, t) is None
    assert token_issued_at(KEY, t[:-1]) is None
    assert token_issued_at(KEY, t[:-2] + ("AA" if t[-2:] != "AA" else "BB")) is None
    assert token_issued_at(KEY, "") is None
    assert token_issued_at(KEY, "é" * TOKEN_LENGTH) is None
    assert token_issued_at(KEY, "s1_" + "!" * (TOKEN_LENGTH - 3)) is None
