"""Is device_confidence a probability? Among the visits the linker tied to a known ID, the
binned confidence against the observed share of correct links (a reliability table), the
Brier score and the expected calibration error, and a reliability diagram (PNG)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .metrics import Observation, owners

BINS = 10


def reliability(obs: Sequence[Observation], bins: int = BINS) -> dict[str, Any]:
    """A visit is a *link* when its device_id was given before (to any device); the link is
    correct when that id's owner (the first device it was given to) is the visit's own
    device. Visits given a fresh id claim nothing and are counted apart (`new_ids`, of which
    `new_ids_returning` went to a device seen before). Bins split [0, 1] evenly; the last
    includes 1.0. Brier: the mean of (confidence - correct)^2 over links; ECE: the mean
    |confidence - correct share| over bins, weighted by their counts."""
    own = owners(obs)
    seen_ids: set[str] = set()
    seen_devices: set[int] = set()
    links: list[tuple[float, int]] = []
    new = new_returning = 0
    for o in obs:
        if o.device_id in seen_ids:
            links.append((min(max(o.confidence, 0.0), 1.0), int(own[o.device_id] == o.true_device)))
        else:
            new += 1
            new_returning += o.true_device in seen_devices
        seen_ids.add(o.device_id)
        seen_devices.add(o.true_device)
    groups: list[list[tuple[float, int]]] = [[] for _ in range(bins)]
    for c, y in links:
        groups[min(int(c * bins), bins - 1)].append((c, y))
    table, ece = [], 0.0
    for b, inside in enumerate(groups):
        mean_c = sum(c for c, _ in inside) / len(inside) if inside else 0.0
        correct = sum(y for _, y in inside) / len(inside) if inside else 0.0
        ece += abs(mean_c - correct) * len(inside)
        table.append(
            {
                "lo": b / bins,
                "hi": (b + 1) / bins,
                "n": len(inside),
                "mean_confidence": round(mean_c, 4) if inside else None,
                "correct": round(correct, 4) if inside else None,
            }
        )
    brier = sum((c - y) ** 2 for c, y in links) / len(links) if links else None
    return {
        "links": len(links),
        "correct_links": sum(y for _, y in links),
        "new_ids": new,
        "new_ids_returning": new_returning,
        "bins": table,
        "brier": None if brier is None else round(brier, 4),
        "ece": round(ece / len(links), 4) if links else None,
    }


def plot(tables: Mapping[str, Mapping[str, Any]], path: Path, title: str) -> None:
    """A reliability diagram of each table (name -> `reliability` result) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, counts) = plt.subplots(
        2, 1, figsize=(6, 7), sharex=True, gridspec_kw={"height_ratios": (3, 1)}
    )
    ax.plot((0, 1), (0, 1), ls=":", color="grey", label="perfectly calibrated")
    width = 1 / BINS / (len(tables) + 1)
    for k, (name, t) in enumerate(tables.items()):
        rows = [r for r in t["bins"] if r["n"]]
        label = f"{name} (Brier {t['brier']}, {t['links']} links)"
        ax.plot([r["mean_confidence"] for r in rows], [r["correct"] for r in rows], "o-",
                label=label)  # fmt: skip
        counts.bar([r["lo"] + (k + 0.5) * width for r in t["bins"]],
                   [r["n"] for r in t["bins"]], width=width, label=name)  # fmt: skip
    ax.set(xlim=(0, 1), ylim=(0, 1.02), ylabel="share of correct links", title=title)
    ax.legend(loc="upper left", fontsize=8)
    counts.set(xlabel="device_confidence", ylabel="links", yscale="log")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
