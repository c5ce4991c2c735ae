"""An ad blocker as a lender's visitor runs it: EasyList and EasyPrivacy, plus a rule the
visitor adds for the vendor's host, applied by Brave's adblock-rust (the `adblock` package)
to every request Chromium makes (Playwright route interception: what the engine blocks is
aborted as a blocker extension would).

The lists are the ones Debian's uBlock Origin package ships (webext-ublock-origin-chromium,
installed by tools/install_firstparty.sh). The files carry no version stamp (their
`! Last modified:` is an unfilled `%timestamp%`): `list_sources` names the package version and
the files' dates instead (docs/first-party.md records them).
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import adblock
import pytest
from playwright.sync_api import Request, Route

LISTS = Path("/usr/share/chromium/extensions/ublock-origin/assets/thirdparties/easylist")
PACKAGE = "webext-ublock-origin-chromium"
NAMES = ("easylist.txt", "easyprivacy.txt")
# Playwright's resource types -> adblock-rust's request types
TYPES = {"fetch": "xmlhttprequest", "xhr": "xmlhttprequest", "document": "document"}


def list_paths() -> list[Path]:
    paths = [LISTS / name for name in NAMES]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        reason = f"{', '.join(missing)} not found; run tools/install_firstparty.sh"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return paths


def list_sources() -> dict[str, str]:
    """Each list's title, its file's date (UTC) and size, and the Debian package's version."""
    version = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", PACKAGE], capture_output=True, text=True, check=False
    ).stdout.strip()
    out = {}
    for path in list_paths():
        with path.open(errors="replace") as f:
            title = next((ln[9:].strip() for ln in f if ln.startswith("! Title:")), "?")
        date = time.strftime("%Y-%m-%d", time.gmtime(path.stat().st_mtime))
        out[path.name] = f"{title}, {date}, {path.stat().st_size} bytes, {PACKAGE} {version}"
    return out


@dataclass
class Blocker:
    engine: adblock.Engine
    blocked: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)

    def handle(self, route: Route, request: Request) -> None:
        source = request.frame.url if request.resource_type != "document" else request.url
        kind = TYPES.get(request.resource_type, request.resource_type)
        if self.engine.check_network_urls(request.url, source or request.url, kind).matched:
            self.blocked.append(request.url)
            route.abort("blockedbyclient")
        else:
            self.passed.append(request.url)
            route.continue_()


def blocker(user_rules: list[str]) -> Blocker:
    """EasyList + EasyPrivacy + the visitor's own rules."""
    filters = adblock.FilterSet()
    for path in list_paths():
        filters.add_filter_list(path.read_text(errors="replace"))
    filters.add_filter_list("\n".join(user_rules))
    return Blocker(adblock.Engine(filter_set=filters, optimize=True))
