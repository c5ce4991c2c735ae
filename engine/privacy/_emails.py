"""E-mail addresses, plain (`jane@example.org`, internationalised) or obfuscated
(`jane [at] example [dot] org`), without taking asset names such as `icon@2x.png` or the
English "look at example.com" for one."""

from __future__ import annotations

import re

_LOCAL_CHAR = r"[\w!#$%&'*+/=?^`{|}~-]"
_LOCAL = rf"(?:{_LOCAL_CHAR}+(?:\.{_LOCAL_CHAR}+)*|\"[^\"\r\n]{{1,64}}\")"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_TLD = r"(?:xn--[a-z0-9-]{2,59}|[^\W\d_]{2,63})"
_EMAIL = re.compile(rf"{_LOCAL}@(?:{_LABEL}\.)+(?P<tld>{_TLD})(?![\w-])", re.IGNORECASE)
# `icon@2x.png` is an asset name, not an address.
_FILE_SUFFIXES = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "js", "css"})

_AT_WORD = r"(?:\s*[\[({<]\s*at\s*[\])}>]\s*|\s+at\s+)"
_DOT_WORD = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+)"
_OBFUSCATED = re.compile(
    rf"(?<![\w.+-])[\w.+-]{{1,64}}(?P<at>{_AT_WORD})"
    rf"(?P<domain>(?:{_LABEL}(?:\.|{_DOT_WORD}))+){_TLD}(?![\w-])",
    re.IGNORECASE,
)
_AT_HINT = re.compile(r"[\s\[({<]at[\s\])}>]", re.IGNORECASE)
_DOT_WORD_RE = re.compile(_DOT_WORD, re.IGNORECASE)


def has_email(text: str) -> bool:
    """True when `text` carries an e-mail address, plain or obfuscated."""
    if "@" in text:
        for match in _EMAIL.finditer(text):
            if match.group("tld").lower() not in _FILE_SUFFIXES:
                return True
    if "at" not in text.lower() or _AT_HINT.search(text) is None:
        return False
    for match in _OBFUSCATED.finditer(text):
        # "look at example.com" is ordinary English: a plain " at " counts only together
        # with a spelled-out dot ("name at example dot com"); "[at]" and "(at)" always count.
        if match.group("at").strip().lower() != "at":
            return True
        if _DOT_WORD_RE.search(match.group("domain")):
            return True
    return False
