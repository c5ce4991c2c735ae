"""What every run of the harness shares: the result record, scoring, Xvfb, the browser flags.

A run makes sessions on the service's demo form (or on the harness's own lender page), then
scores each through `POST /v1/score` with the tenant's API key, as a lender's back-end does,
and keeps only what the answer says: score, the flags that are on, the reason codes. Nothing
here depends on what the collector detects, so the harness runs against any version of the
service.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import msgspec

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
FIREFOX = Path("/usr/bin/firefox-esr")
XVFB = Path("/usr/bin/Xvfb")
XDOTOOL = Path("/usr/bin/xdotool")
# the flags a Chromium needs in this sandbox, and nothing that announces a driver
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
TOP_BAND = 0.5  # the done-when line: flagged and scored at least this
CAUGHT_FLAGS = ("tampering", "automation")
SESSION_TIMEOUT_S = 60.0


class Result(msgspec.Struct, kw_only=True, omit_defaults=False):
    """One session the harness made and scored (one line of the JSON Lines output)."""

    group: str  # "kit" (an adversary in costume) or "control" (an honest browser)
    kit: str  # the kit, or the control's name
    costume: str  # the costume, or the control's variant (window size, zoom, prefs)
    mode: str  # headless | headful
    session_id: str | None = None
    score: float | None = None
    flags: list[str] = msgspec.field(default_factory=list)  # the flags that are on
    reasons: list[str] = msgspec.field(default_factory=list)  # reason codes, in answer order
    user_agent: str | None = None  # what the page was told, where the driver could read it
    error: str | None = None  # why no scored session came out

    @property
    def scored(self) -> bool:
        return self.error is None and self.score is not None

    @property
    def caught(self) -> bool:
        """Flagged tampering or automation, with a score in the top band."""
        flagged = any(flag in self.flags for flag in CAUGHT_FLAGS)
        return self.scored and flagged and (self.score or 0.0) >= TOP_BAND

    @property
    def clean(self) -> bool:
        """Scored, and neither tampering nor automation."""
        return self.scored and not any(flag in self.flags for flag in CAUGHT_FLAGS)

    @property
    def group_key(self) -> str:
        return f"{self.kit} / {self.costume} / {self.mode}"


@dataclass(frozen=True)
class Target:
    """The service under test and the tenant whose keys the harness uses."""

    base_url: str
    site_key: str = "demo_site"
    api_key: str = "demo_key"

    @property
    def demo_url(self) -> str:
        return f"{self.base_url}/demo"


def score_session(target: Target, result: Result) -> Result:
    """Score `result.session_id` through the API; the answer's score, flags and codes."""
    if not result.session_id:
        result.error = result.error or "no session id came back from the page"
        return result
    try:
        response = httpx.post(
            f"{target.base_url}/v1/score",
            headers={"Authorization": f"Bearer {target.api_key}"},
            json={"session_id": result.session_id},
            timeout=15,
        )
    except httpx.HTTPError as exc:
        result.error = f"scoring failed: {type(exc).__name__}"
        return result
    if response.status_code != 200:
        result.error = f"scoring answered HTTP {response.status_code}: {response.text[:200]}"
        return result
    answer: dict[str, Any] = response.json()
    result.score = float(answer["score"])
    result.flags = sorted(name for name, on in answer.get("flags", {}).items() if on is True)
    result.reasons = [str(r["code"]) for r in answer.get("reasons", [])]
    return result


@contextmanager
def xvfb(workdir: Path, size: str = "1920x1080x24") -> Iterator[str]:
    """A private X display: Xvfb picks a free number and writes it to a pipe."""
    if not XVFB.exists():
        raise RuntimeError(f"{XVFB} not found; run tools/install_browser.sh")
    read, write = os.pipe()
    log_path = workdir / "xvfb.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(XVFB), "-displayfd", str(write), "-screen", "0", size, "-nolisten", "tcp"],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    try:
        if not number.isdigit():
            raise RuntimeError(f"Xvfb did not start: {log_path.read_text()[-500:]}")
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def write_results(path: Path, results: list[Result]) -> None:
    with path.open("wb") as out:
        for result in results:
            out.write(msgspec.json.encode(result) + b"\n")


def read_results(path: Path) -> list[Result]:
    lines = path.read_bytes().splitlines()
    return [msgspec.json.decode(line, type=Result) for line in lines if line.strip()]
