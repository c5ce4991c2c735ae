"""What a run found: the summary table (Markdown) and a plot of scores by group.

Per kit x costume x mode: how many sessions were scored and how many were caught (flagged
`tampering` or `automation` with a score >= 0.5); per honest control: whether it stayed clean
(neither flag). The totals are the issue's done-when figures: the share of costumed sessions
caught, and the number of honest controls flagged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tools.adversary._common import CAUGHT_FLAGS, TOP_BAND, Result


@dataclass(frozen=True)
class Totals:
    costumed: int  # costumed sessions attempted
    caught: int  # of those, flagged tampering/automation with score >= TOP_BAND
    failed: int  # costumed sessions that produced no scored session
    controls: int  # honest control sessions attempted
    controls_flagged: int  # of those, flagged tampering or automation
    controls_failed: int  # honest control sessions that produced no scored session

    @property
    def caught_share(self) -> float:
        return self.caught / self.costumed if self.costumed else 0.0


def totals(results: list[Result]) -> Totals:
    kits = [r for r in results if r.group == "kit"]
    controls = [r for r in results if r.group == "control"]
    return Totals(
        costumed=len(kits),
        caught=sum(r.caught for r in kits),
        failed=sum(not r.scored for r in kits),
        controls=len(controls),
        controls_flagged=sum(r.scored and not r.clean for r in controls),
        controls_failed=sum(not r.scored for r in controls),
    )


def _score(r: Result) -> str:
    return "-" if r.score is None else f"{r.score:.4f}"


def summary_table(results: list[Result]) -> str:
    """The Markdown summary: one row per session, grouped, then the totals."""
    lines = [
        "| group | kit / control | costume / variant | mode | score | caught | flags | reasons |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in sorted(results, key=lambda r: (r.group != "kit", r.kit, r.costume, r.mode)):
        if not r.scored:
            verdict = f"error: {r.error}"
        elif r.group == "kit":
            verdict = "yes" if r.caught else "no"
        else:
            verdict = "clean" if r.clean else "FLAGGED"
        flags = ", ".join(r.flags) or "-"
        reasons = ", ".join(r.reasons) or "-"
        lines.append(
            f"| {r.group} | {r.kit} | {r.costume} | {r.mode} | {_score(r)} | {verdict}"
            f" | {flags} | {reasons} |"
        )
    t = totals(results)
    lines += [
        "",
        f"Costumed sessions caught ({' or '.join(CAUGHT_FLAGS)}, score >= {TOP_BAND}): "
        f"{t.caught} of {t.costumed} ({100 * t.caught_share:.0f}%), {t.failed} without a "
        "scored session.",
        f"Honest controls flagged {' or '.join(CAUGHT_FLAGS)}: {t.controls_flagged} of "
        f"{t.controls}, {t.controls_failed} without a scored session.",
    ]
    on_kits = Counter(f for r in results if r.group == "kit" for f in r.flags)
    if on_kits:
        seen = ", ".join(f"{name} {n}" for name, n in on_kits.most_common())
        lines.append(f"Flags on costumed sessions: {seen}.")
    return "\n".join(lines) + "\n"


def plot_scores(results: list[Result], path: Path) -> None:
    """Scores per group (kit x mode, and each control), the 0.5 line drawn across."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups: dict[str, list[tuple[float, bool]]] = {}
    for r in results:
        if r.score is None:
            continue
        key = f"{r.kit}\n{r.mode}" if r.group == "kit" else f"{r.kit}\n(control)"
        marked = r.caught if r.group == "kit" else not r.clean
        groups.setdefault(key, []).append((r.score, marked))
    names = sorted(groups, key=lambda k: ("(control)" in k, k))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(names)), 4.5))
    for i, name in enumerate(names):
        for j, (score, marked) in enumerate(groups[name]):
            x = i + (j - (len(groups[name]) - 1) / 2) * 0.08
            colour = "tab:red" if marked else ("tab:green" if "(control)" in name else "tab:blue")
            ax.scatter(x, score, color=colour, s=28, zorder=3)
    ax.axhline(TOP_BAND, color="grey", linestyle="--", linewidth=1)
    ax.set_xticks(range(len(names)), names, fontsize=8)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("score")
    ax.set_title("anonscore: adversary kits (blue: passed, red: caught) and honest controls")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
