"""One run of the harness: the honest controls, then the kits in their costumes, each scored.

The controls go first: the service counts sessions per IP and hour (all come from loopback
here), and past 20 from one IP in an hour its velocity rule (`VELOCITY_IP_1H` as shipped)
raises scores without setting `tampering` or `automation`; the controls are then scored as
from a fresh address. Sessions are made one at a time (two shared cores: one browser at a
time is enough) and scored as soon as they are made; every result is appended to the JSON
Lines file at once, so an interrupted run keeps what it measured. Headful kit sessions share
one Xvfb display; each honest control gets its own, sized as its screen.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import msgspec

from tools.adversary._common import CHROMIUM, Result, Target, score_session, xvfb
from tools.adversary._controls import CONTROLS, Control, run_control
from tools.adversary._kits import run_kit
from tools.adversary._lender import lender_server


@dataclass(frozen=True)
class Plan:
    kits: Sequence[str]
    costumes: Sequence[str]
    modes: Sequence[str]
    controls: Sequence[str]
    variants: int  # the first N window set-ups of each control (0: all)
    seed: int = 1
    repeat: int = 1  # sessions per kit x costume x mode (each draws its own fingerprint)

    def control_setups(self) -> list[Control]:
        chosen: list[Control] = []
        for name in self.controls:
            setups = [c for c in CONTROLS if c.name == name]
            chosen += setups[: self.variants] if self.variants else setups
        return chosen

    def kit_sessions(self) -> Iterator[tuple[str, str, str]]:
        for mode in self.modes:
            for kit in self.kits:
                for costume in self.costumes:
                    for _ in range(self.repeat):
                        yield kit, costume, mode


def run(target: Target, plan: Plan, out: Path) -> list[Result]:
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} not found; run tools/install_browser.sh")
    results: list[Result] = []
    workdir = Path(tempfile.mkdtemp(prefix="adversary-"))
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with out.open("wb") as sink, ExitStack() as stack:

            def keep(result: Result) -> None:
                score_session(target, result)
                results.append(result)
                sink.write(msgspec.json.encode(result) + b"\n")
                sink.flush()
                _progress(result)

            if plan.controls:
                lender_url, receiver = stack.enter_context(
                    lender_server(target.base_url, target.site_key)
                )
                pages = (target.demo_url, lender_url)
                evidence = out.with_suffix(".screens")
                for i, control in enumerate(plan.control_setups()):
                    seed = plan.seed + i
                    keep(run_control(control, pages, receiver, workdir, seed, evidence))
            display = None
            if "headful" in plan.modes and plan.kits:
                display = stack.enter_context(xvfb(workdir))
            for kit, costume, mode in plan.kit_sessions():
                keep(run_kit(target, kit, costume, mode, display, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def _progress(r: Result) -> None:
    score = "-" if r.score is None else f"{r.score:.4f}"
    state = r.error or f"flags: {', '.join(r.flags) or '-'}; reasons: {', '.join(r.reasons) or '-'}"
    print(f"{r.group} {r.group_key}: score {score}; {state}", file=sys.stderr, flush=True)
