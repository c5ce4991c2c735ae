"""User-ID accuracy against the truth: does the user ID link the browsers of one machine
(Cao et al., NDSS 2017, report 99.24% cross-browser identification), and does it keep
different people apart? Pure functions of the observations, like `metrics`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations
from typing import Any

from .metrics import Observation, rate


def user_links(obs: Sequence[Observation]) -> dict[str, Any]:
    """Two devices *share a user ID* when some user_id was returned to a visit of each.

    - cross-browser link rate: the share of pairs of web browsers on one machine that share
      a user ID; `visit_link_rate`: the share of a browser's visits whose user_id is the one
      the other browser of its machine got at its latest visit (when it had one);
    - false user links: the share of pairs of distinct people who share a user ID (through
      any of their devices), and the share of people who share one with anybody else;
    - `other_machine_links`: pairs of machines of one person that share a user ID (nothing
      in the attributes links a phone to a laptop: expect none)."""
    uids: dict[int, set[str]] = defaultdict(set)
    machine_of: dict[int, int | str] = {}
    person_of: dict[int | str, int | str] = {}
    web: dict[int, bool] = {}
    latest: dict[int, str] = {}
    siblings: dict[int | str, set[int]] = defaultdict(set)
    for o in obs:
        machine_of[o.true_device] = o.machine_key
        person_of[o.machine_key] = o.person_key
        web[o.true_device] = o.channel == "web"
        if o.channel == "web":
            siblings[o.machine_key].add(o.true_device)
    n_visits = hits = 0
    for o in obs:
        if not o.user_id:
            continue
        uids[o.true_device].add(o.user_id)
        others = [latest[d] for d in siblings[o.machine_key] if d != o.true_device and d in latest]
        if others:
            n_visits += 1
            hits += o.user_id in others
        latest[o.true_device] = o.user_id
    pairs = [p for s in siblings.values() for p in combinations(sorted(s), 2)]
    linked = sum(1 for a, b in pairs if uids[a] & uids[b])

    people: dict[str, set[int | str]] = defaultdict(set)
    machines: dict[str, set[int | str]] = defaultdict(set)
    for d, us in uids.items():
        for u in us:
            people[u].add(person_of[machine_of[d]])
            machines[u].add(machine_of[d])
    false_pairs = {p for s in people.values() for p in combinations(sorted(s, key=str), 2)}
    n_people = len(set(person_of.values()))
    linked_people = {x for p in false_pairs for x in p}
    own_machines: dict[int | str, set[int | str]] = defaultdict(set)
    for m, p in person_of.items():
        own_machines[p].add(m)
    machine_pairs = [q for s in own_machines.values() for q in combinations(sorted(s, key=str), 2)]
    machine_links = {q for s in machines.values() for q in combinations(sorted(s, key=str), 2)}
    return {
        "same_machine_pairs": len(pairs),
        "linked_pairs": linked,
        "cross_browser_link_rate": rate(linked, len(pairs)),
        "visits_with_other_browser": n_visits,
        "visit_link_rate": rate(hits, n_visits),
        "people": n_people,
        "people_pairs": n_people * (n_people - 1) // 2,
        "false_link_pairs": len(false_pairs),
        "false_user_link_rate": rate(len(false_pairs), n_people * (n_people - 1) // 2),
        "people_linked_to_another": rate(len(linked_people), n_people),
        "other_machine_pairs": len(machine_pairs),
        "other_machine_links": sum(1 for q in machine_pairs if q in machine_links),
    }
