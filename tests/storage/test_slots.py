"""Redis Cluster's key-to-slot rule, the one-slot prefixes and SCAN's pattern escaping.
(Checked against a real server too: CLUSTER KEYSLOT in test_redis.py, MATCH in test_stores.py.)"""

from __future__ import annotations

from engine.store._slots import crc16, glob_escape, hash_tag, key_slot, prefix_slot


def test_crc16_is_xmodem() -> None:
    assert crc16(b"123456789") == 0x31C3  # the specification's check value
    assert key_slot(b"foo") == 12182


def test_hash_tags_follow_the_first_brace() -> None:
    assert hash_tag(b"{user1000}.following") == b"user1000"
    assert hash_tag(b"foo{}{bar}") == b"foo{}{bar}"  # empty first tag: the whole key
    assert hash_tag(b"foo{{bar}}zap") == b"{bar"
    assert hash_tag(b"foo{bar}{zap}") == b"bar"
    assert hash_tag(b"no tag") == b"no tag"
    assert hash_tag(b"open{only") == b"open{only"
    assert key_slot(b"s:{dev}:a") == key_slot(b"d:{dev}") == key_slot(b"dev")


def test_a_prefix_has_one_slot_only_when_it_holds_the_whole_first_tag() -> None:
    assert prefix_slot(b"i:{dev}") == key_slot(b"dev")
    assert prefix_slot(b"i:{dev}:s") == key_slot(b"dev")
    assert prefix_slot(b"i:{de") is None  # the tag goes on in the key
    assert prefix_slot(b"i:{}") is None  # empty tag: the whole key decides
    assert prefix_slot(b"i:") is None
    assert prefix_slot(b"i:}{dev}") == key_slot(b"dev")


def test_glob_escape_makes_the_prefix_literal() -> None:
    assert glob_escape(b"a*b?c[d]e\\f") == b"a\\*b\\?c\\[d\\]e\\\\f"
    assert glob_escape(b"plain:\x00\xff") == b"plain:\x00\xff"
