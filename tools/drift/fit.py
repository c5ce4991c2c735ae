"""Fitting the device linker on the drift simulation's truth, and writing the fit into
`engine/devices/_fitted.py`.

    python -m tools.drift.fit [--seed 7] [--devices 300] [--days 180] [--out FILE]
                              [--report FILE] [--dry-run]

1. **Weights** (Fellegi-Sunter). The sampled pairs of visits (`pairs.sample_pairs`: every
   two consecutive visits of a device, far pairs, two browsers of one machine, look-alikes,
   random pairs of devices), each with its sampling weight, are compared with the service's
   own code (`engine.devices.matching.pattern`). With the truth known, the m and u
   probabilities are counted, not guessed by EM: m = P(agree | same device) over the pairs
   of one device the rules keep, changes a drift explains left out; u = P(agree | different
   devices) over all pairs of two devices (how common an agreement is in the population).
   Agreement weighs log2(m/u) bits, disagreement log2((1-m)/(1-u)).
2. **Thresholds**: the replay (`replay`, the registry without HTTP) is run for a grid of
   link thresholds, per group (web, then app installs), and the one that minimises lost
   continuity plus false merges among distinguishable devices is kept (the issue's two
   targets weigh the same, 0.5% each); when neighbours do as well, the middle of them. The
   same for how many fonts added between two sessions still explain a new font set.
3. **Confidence**: on the final replay, every visit tied to a known device gives (score,
   rivals, crowd evidence, correct?); the link probability sigmoid(a + b * score) and the
   crowd units (distinct prefixes P one device shows in a window, sessions V a day) are chosen
   by grid search to minimise the Brier score of
   min(0.98, sigmoid(a + b * score) / max(crowd, 1 + rivals, devices shown)).

Fit on one seed, report on another (`python -m tools.drift --seed 8`).
"""

from __future__ import annotations

import argparse
import itertools
import math
import pprint
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from engine.devices import Params, fitted
from engine.devices.components import group, observe
from engine.devices.matching import SCORED, pattern
from engine.privacy.secrets import derive_keys
from engine.schema import Attributes, Observation

from .pairs import sample_pairs
from .replay import Decision, ip_prefix, replay
from .run import REPO, Config, World, build, measure

OUT = REPO / "engine" / "devices" / "_fitted.py"
CLIP = 12.0  # bits
M_MAX = 0.999  # any component may change, if only one time in a thousand
WEB_GRID = tuple(float(t) for t in range(4, 19, 2))
SDK_GRID = (8.0,)  # flat from -4 to 20 on the real-prior world (seed 7)
FONT_GRID = (3, 5, 8)
LOCALE_GRID = (0.1, 0.2, 0.3, 0.5, 1.0)
SEEN_GRID = (0.05, 0.1, 0.3, 1.0)
NEW_GRID = (1.0, 1.5, 2.0, 4.0)
FAMILY = {"canvas": "update", "audio": "update", "build": "update", "fonts": "fonts",
          "fonts_count": "fonts", "screen": "screen", "pixel_ratio": "screen"}  # fmt: skip
P_GRID = (2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 16.0)
V_GRID = (1 / 14, 1 / 10, 1 / 7, 1 / 5, 1 / 4, 1 / 3, 1 / 2, 1.0)


def observations(world: World) -> list[Observation]:
    key = derive_keys(b"\x07" * 32).hashing
    return [
        observe(msgspec.convert(v.attributes, Attributes), v.channel, key, v.at, ip_prefix(v))
        for v in world.visits
    ]


def loose(new: Observation, old: Observation, grp: str) -> dict[str, str]:
    """Agreement of every component both have, rules aside: for u, the chance that two
    different devices agree on a component is counted over all of them."""
    a, b = new.components, old.components
    return {n: "agree" if a[n] == b[n] else "disagree" for n in SCORED[grp] if n in a and n in b}


def weights(world: World, seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(agree bits, disagree bits) per group and component, and the m/u table."""
    obs = observations(world)
    counts: dict[tuple[str, str, bool], list[float]] = defaultdict(lambda: [0.0, 0.0])
    changes: dict[tuple[str, str, bool], list[float]] = defaultdict(lambda: [0.0, 0.0])
    joint = {True: [0.0, 0.0], False: [0.0, 0.0]}  # pairs needing two drifts, of those with one
    ruled: dict[tuple[str, bool], float] = defaultdict(float)
    for _stratum, weight, a, b in sample_pairs(world.visits, world.classes, world.looks, seed):
        va, vb = world.visits[a], world.visits[b]
        grp = group(vb.channel)
        if group(va.channel) != grp:
            continue
        same = va.device == vb.device
        pat = pattern(obs[b], obs[a], grp, decisive=False)
        if pat is None:
            ruled[(grp, same)] += weight
            if same:
                continue
            pat = loose(obs[b], obs[a], grp)
        twins = pat.get("hardware") == "agree"  # a candidate the bands would bring
        if same and _stratum == "same_device_next":  # what a linker compares: the last visit
            kinds = sum(1 for name in pat if name.startswith("drift:"))
            if kinds:
                joint[True][0] += weight * (kinds > 1)
                joint[True][1] += weight
        elif twins and not same:  # how often two machines of a class differ in two families
            families = {FAMILY[n] for n, st in loose(obs[b], obs[a], grp).items()
                        if st == "disagree" and n in FAMILY}  # fmt: skip
            if families:
                joint[False][0] += weight * (len(families) > 1)
                joint[False][1] += weight
        for name, status in pat.items():
            if name == "decisive" or name.startswith("drift:"):
                continue
            if twins or same:
                drift = changes[(grp, name, same)]
                drift[0] += weight * (status == "explained")
                drift[1] += weight
            if status == "explained":
                continue
            cell = counts[(grp, name, same)]
            cell[0] += weight * (status == "agree")
            cell[1] += weight
    agree: dict[str, dict[str, float]] = defaultdict(dict)
    disagree: dict[str, dict[str, float]] = defaultdict(dict)
    table: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    names = {(g, n) for g, n, _ in counts}
    for grp, name in sorted(names):
        m_a, m_n = counts[(grp, name, True)]
        u_a, u_n = counts[(grp, name, False)]
        if not m_n or not u_n:
            continue
        m = (m_a + 0.5 * m_n / max(1.0, m_n)) / (m_n + m_n / max(1.0, m_n))
        u = (u_a + 0.5 * u_n / max(1.0, u_n)) / (u_n + u_n / max(1.0, u_n))
        m = min(max(m, 1e-3), M_MAX)
        u = min(max(u, 1e-3), 1 - 1e-3)
        agree[grp][name] = round(max(-CLIP, min(CLIP, math.log2(m / u))), 3)
        disagree[grp][name] = round(max(-CLIP, min(CLIP, math.log2((1 - m) / (1 - u)))), 3)
        table[grp][name] = {"m": round(m, 4), "u": round(u, 4)}
    explained = _explained(changes)
    p_same = (joint[True][0] + 0.5) / (joint[True][1] + 1.0)
    p_diff = (joint[False][0] + 0.5) / (joint[False][1] + 1.0)
    two = round(max(-CLIP, min(0.0, math.log2(p_same / p_diff))), 3)
    return {
        "agree": dict(agree),
        "disagree": dict(disagree),
        "explained": explained,
        "joint_drift": two,
    }, {
        "m_u": dict(table),
        "ruled_out_weight": {
            f"{g} {'same' if s else 'different'}": round(w, 1) for (g, s), w in ruled.items()
        },
    }


def _explained(changes: dict[tuple[str, str, bool], list[float]]) -> dict[str, dict[str, float]]:
    """Bits of an explained change: log2 P(explained | same) / P(explained | different), each
    over the pairs both show the component in (smoothed), never above 0: a change a drift
    explains is never evidence of sameness. P(explained | different) is counted over pairs
    of one hardware class (what the bands bring as candidates), not over all pairs: a random
    pair is told apart by its hardware already."""
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for grp, name in sorted({(g, n) for g, n, _ in changes}):
        m_e, m_n = changes[(grp, name, True)]
        u_e, u_n = changes[(grp, name, False)]
        if not m_n or not u_n:
            continue
        m = (m_e + 0.5) / (m_n + 1.0)
        u = (u_e + 0.5) / (u_n + 1.0)
        out[grp][name] = round(max(-CLIP, min(0.0, math.log2(m / u))), 3)
    return dict(out)


def objective(obs: Sequence[Any]) -> tuple[float, dict[str, Any]]:
    """Lost continuity plus false merges among distinguishable (unique) devices."""
    m = measure(obs)
    lost = 1 - (m["continuity"]["continuity"] or 0.0)
    unique = m["merges"]["by_class"].get("unique", {}).get("rate") or 0.0
    return lost + unique, {"continuity": 1 - lost, "unique_false_merges": unique}


def thresholds(world: World, params: Params, log: Any) -> tuple[Params, list[dict[str, Any]]]:
    rows = []
    for grp, grid in (("web", WEB_GRID), ("sdk", SDK_GRID)):
        costs: list[tuple[float, float]] = []
        for t in grid:
            trial = msgspec.structs.replace(params, threshold={**params.threshold, grp: t})
            obs, _ = replay(world.visits, world.classes, trial)
            cost, parts = objective(obs)
            rows.append({"group": grp, "threshold": t, "cost": round(cost, 4), **parts})
            print(f"[fit] {grp} threshold {t:5.1f}: cost {cost:.4f} {parts}", file=log)
            costs.append((t, cost))
        params = msgspec.structs.replace(
            params, threshold={**params.threshold, grp: _middle_of_best(costs)}
        )
    costs = []
    for n in FONT_GRID:  # how many fonts added between two sessions still explain new fonts
        trial = msgspec.structs.replace(params, max_new_fonts=n)
        cost, parts = objective(replay(world.visits, world.classes, trial)[0])
        rows.append({"group": "fonts", "threshold": float(n), "cost": round(cost, 4), **parts})
        print(f"[fit] fonts added {n}: cost {cost:.4f} {parts}", file=log)
        costs.append((float(n), cost))
    params = msgspec.structs.replace(params, max_new_fonts=round(_middle_of_best(costs)))
    return params, rows


def _middle_of_best(costs: list[tuple[float, float]]) -> float:
    """The middle of the run of thresholds around the first lowest cost (the widest margin
    on both sides when neighbours do as well)."""
    low = min(c for _, c in costs)
    first = next(i for i, (_, c) in enumerate(costs) if c <= low + 1e-9)
    last = first
    while last + 1 < len(costs) and costs[last + 1][1] <= low + 1e-9:
        last += 1
    return (costs[first][0] + costs[last][0]) / 2


def calibrate(
    decisions: Sequence[Decision],
) -> tuple[tuple[float, float], float, float, tuple[float, float, float], float]:
    """((a, b), P, V, (locale share, network seen, network new), Brier) minimising the Brier
    score of the links' confidence (the prior's crowd as `engine.devices.prior.crowd`
    computes it). Two passes: the crowd units with the prior's defaults, then the prior's
    factors with those units (the link probability is fitted in both)."""
    d = [x for x in decisions if not x.decisive]
    x = {
        "score": np.array([v.score for v in d]),
        "rivals": np.array([v.rivals for v in d], dtype=float),
        "distinct": np.array([v.distinct for v in d]),
        "visits": np.array([v.visits for v in d]),
        "y": np.array([v.correct for v in d], dtype=float),
        "shown": np.array([v.shown for v in d], dtype=float),
        "mass": np.array([v.mass for v in d]),
        "others": np.maximum(np.array([v.devices for v in d]) - 1.0, 0.0),
        "local": np.array([v.same_locale for v in d]),
        "seen": np.array([v.known_network for v in d]),
    }
    best: tuple[float, float, float, float, float, tuple[float, float, float]]
    best = (math.inf, 0.0, 0.0, 0.0, 0.0, (0.2, 0.3, 1.5))
    for per_p, per_v in itertools.product(P_GRID, V_GRID):
        brier, a, b = _brier(x, per_p, per_v, best[5])
        if brier < best[0]:
            best = (brier, a, b, per_p, per_v, best[5])
    for prior in itertools.product(LOCALE_GRID, SEEN_GRID, NEW_GRID):
        brier, a, b = _brier(x, best[3], best[4], prior)
        if brier < best[0]:
            best = (brier, a, b, best[3], best[4], prior)
    brier, a, b, per_p, per_v, prior = best
    return (round(a, 3), round(b, 3)), per_p, per_v, prior, round(brier, 4)


def _brier(
    x: dict[str, Any], per_p: float, per_v: float, prior: tuple[float, float, float]
) -> tuple[float, float, float]:
    """The lowest Brier score over the link probability's grid, and its (a, b)."""
    share_l, r_seen, r_new = prior
    network = np.where(x["seen"], r_seen, r_new)
    expected = 1.0 + x["others"] * x["mass"] * np.where(x["local"], share_l, 1.0) * network
    ones = np.ones_like(x["score"])
    crowd = np.maximum.reduce([ones, x["distinct"] / per_p, x["visits"] / per_v, expected])
    share = np.maximum.reduce([crowd, 1 + x["rivals"], x["shown"]])[None, None, :]
    a_grid = np.linspace(-16, 8, 49)[:, None, None]
    b_grid = np.linspace(0.0, 1.5, 61)[None, :, None]
    z = np.clip(a_grid + b_grid * x["score"][None, None, :], -30, 30)
    conf = np.minimum(0.98, 1 / (1 + np.exp(-z)) / share)
    brier = ((conf - x["y"][None, None, :]) ** 2).mean(axis=2)
    i, j = np.unravel_index(np.argmin(brier), brier.shape)
    return float(brier[i, j]), float(a_grid[i, 0, 0]), float(b_grid[0, j, 0])


def write(params: Params, path: Path) -> None:
    doc = msgspec.to_builtins(params)
    doc["calibration"] = tuple(doc["calibration"])
    text = pprint.pformat(doc, indent=4, width=96, sort_dicts=False)
    head = (
        '"""The fitted device-linking model. Written by `python -m tools.drift.fit`; do not edit '
        'by\nhand: change the simulation or the fitting, and fit again."""\n\n'
    )
    path.write_text(f"{head}PARAMS = {text}\n")
    ruff = Path(sys.prefix) / "bin" / "ruff"
    if ruff.exists():  # the house format, when the tool is at hand
        subprocess.run([str(ruff), "format", "-q", str(path)], check=False)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.drift.fit", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    d = Config()
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--devices", type=int, default=d.devices)
    p.add_argument("--days", type=float, default=d.days)
    p.add_argument("--world", choices=("real", "catalogue"), default=d.world)
    p.add_argument("--out", type=Path, default=OUT, help="the fitted module to write")
    p.add_argument("--report", type=Path, help="also write the fit's figures here (text)")
    p.add_argument("--dry-run", action="store_true", help="fit and print, write nothing")
    p.add_argument(
        "--calibrate-only",
        action="store_true",
        help="keep the committed weights and thresholds; fit the confidence only",
    )
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    cfg = Config(devices=args.devices, days=args.days, seed=args.seed, world=args.world)
    world = build(cfg)
    w, table = weights(world, args.seed)
    start = fitted()
    grid: list[dict[str, Any]] = []
    if args.calibrate_only:
        params = start
    else:
        params = msgspec.structs.replace(start, agree=w["agree"], disagree=w["disagree"],
                                         explained=w["explained"],
                                         joint_drift=w["joint_drift"])  # fmt: skip
        params, grid = thresholds(world, params, sys.stderr)
    _obs, decisions = replay(world.visits, world.classes, params)
    (a, b), per_p, per_v, (share_l, r_seen, r_new), brier = calibrate(decisions)
    summary = (f"{args.world} world, seed {args.seed}, {args.devices} devices, {args.days:g} days, "
               f"{len(world.visits)} visits")  # fmt: skip
    params = msgspec.structs.replace(params, calibration=(a, b), crowd_prefixes=per_p,
                                     crowd_visits=per_v, locale_share=share_l,
                                     network_seen=r_seen, network_new=r_new,
                                     fitted_on=summary)  # fmt: skip
    final, _ = replay(world.visits, world.classes, params)
    m = measure(final)
    lines = [
        f"device linker fit: {summary} ({time.perf_counter() - t0:.1f} s)",
        f"thresholds: {params.threshold}; fonts added that explain new fonts: at most "
        f"{params.max_new_fonts}",
        f"calibration: p = sigmoid({a} + {b} * score); one device shows {per_p:g} prefixes a "
        f"window and {per_v:.3f} sessions a day; locale share {share_l}, network seen {r_seen} "
        f"new {r_new}; Brier on the fitting seed {brier}",
        "m/u per component:",
        *(
            f"  {g:4} {n:12} m={x['m']:.4f} u={x['u']:.4f}  agree {params.agree[g][n]:+.2f} bits,"
            f" disagree {params.disagree[g][n]:+.2f} bits"
            for g, rows in table["m_u"].items()
            for n, x in rows.items()
        ),
        f"pairs ruled out (weight): {table['ruled_out_weight']}",
        "threshold grid:",
        *(
            f"  {r['group']} {r['threshold']:5.1f} cost {r['cost']:.4f} continuity "
            f"{r['continuity']:.4f} unique false merges {r['unique_false_merges']:.4f}"
            for r in grid
        ),
        f"on the fitting seed: continuity {m['continuity']['continuity']}, false merges "
        f"{m['merges']['false_merge_rate']}, Brier {m['reliability']['brier']}",
    ]
    print("\n".join(lines))
    if not args.dry_run:
        write(params, args.out)
        print(f"[fit] written to {args.out}", file=sys.stderr)
        if args.report:
            args.report.parent.mkdir(parents=True, exist_ok=True)
            args.report.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
