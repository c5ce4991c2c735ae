"""Where each list comes from, and how it is derived from its upstream files.

Why git: every upstream is a public GitHub repository kept current by its own automation; a
checkout names the commit and its date, and both go in the list's header next to the source
and the licence. `update-data --lists-from SRC` reads checkouts under a directory SRC
(`<owner>/<name>` or `<owner>+<name>`, bare or not) or clones them from a URL base such as
https://github.com (`git clone --depth 1`), and derives the six lists below.

Choices, each written into the list it shapes:

- hosting: X4BNet/lists_vpn's datacenter ASNs (about 900; brianhama/bad-asn-list holds 723,
  714 of them the same, so it adds little but three Nigerian access networks).
- cloud ranges: what AWS, Google Cloud, Azure, Oracle, DigitalOcean, Linode and Vultr publish,
  via lord-alfred/ipranges (CC0) and, for Google Cloud (cloud.json only, not all of Google)
  and Azure (service tags, not Microsoft 365), jhassine/server-ip-addresses.
- VPN: X4BNet's VPN ASNs, but AS60729 (a Tor exit operator) is left to the Tor list; and the
  server addresses Mullvad, PIA (via X4BNet) and Proton VPN (via lord-alfred) publish. Apple's
  iCloud Private Relay, which X4BNet counts as VPN, is its own list: its egress carries
  ordinary Safari users, so the builder clears hosting and VPN facts there.
- Tor: relays with the Exit flag from the Tor Project's Onionoo, hourly, via
  alireza-rezaee/tor-nodes.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from engine.ipdata._errors import IpDataError
from engine.ipdata._lists import Network, collapse, render_list

X4B = "X4BNet/lists_vpn"
ALFRED = "lord-alfred/ipranges"
JHASSINE = "jhassine/server-ip-addresses"
TOR_NODES = "alireza-rezaee/tor-nodes"

LICENCES = {
    X4B: "MIT (the repository's README puts 'the list itself' under MIT)",
    ALFRED: "CC0-1.0",
    JHASSINE: "none stated (no licence file); the ranges are facts each provider publishes",
    TOR_NODES: "MIT (derived from the Tor Project's Onionoo, public relay data)",
}

CLOUD_FILES: list[tuple[str, str, str]] = [
    (ALFRED, "amazon/ipv4_merged.txt", "Amazon AWS"),
    (ALFRED, "amazon/ipv6_merged.txt", "Amazon AWS"),
    (ALFRED, "oracle/ipv4_merged.txt", "Oracle Cloud"),
    (ALFRED, "digitalocean/ipv4_merged.txt", "DigitalOcean"),
    (ALFRED, "digitalocean/ipv6_merged.txt", "DigitalOcean"),
    (ALFRED, "linode/ipv4_merged.txt", "Akamai Cloud (Linode)"),
    (ALFRED, "linode/ipv6_merged.txt", "Akamai Cloud (Linode)"),
    (ALFRED, "vultr/ipv4_merged.txt", "Vultr"),
    (ALFRED, "vultr/ipv6_merged.txt", "Vultr"),
]
JHASSINE_VENDORS = {"GCP": "Google Cloud", "Azure": "Microsoft Azure"}  # AWS comes from ALFRED
VPN_FILES: list[tuple[str, str, str]] = [
    (X4B, "input/vpn/ips/mullvadvpn.txt", "Mullvad VPN"),
    (X4B, "input/vpn/ips/pia.txt", "Private Internet Access"),
    (ALFRED, "protonvpn/ipv4_merged.txt", "Proton VPN"),
]
RELAY_FILES: list[tuple[str, str, str]] = [
    (ALFRED, "apple-proxy/ipv4_merged.txt", "iCloud Private Relay"),
    (ALFRED, "apple-proxy/ipv6_merged.txt", "iCloud Private Relay"),
]
VPN_ASNS_LEFT_OUT = {60729: "Tor exit operator: Tor exits are matched by address"}


class Snapshot:
    """One upstream repository at one commit."""

    def __init__(self, repo: str, git_dir: Path) -> None:
        self.repo, self.git_dir = repo, git_dir
        commit, _, date = (
            _git(git_dir, "log", "-1", "--format=%H %cI", "HEAD").strip().partition(" ")
        )
        self.commit, self.date = commit, date

    def read(self, path: str) -> str:
        return _git(self.git_dir, "show", f"HEAD:{path}")

    def cite(self, path: str) -> list[tuple[str, str]]:
        return [
            ("source", f"https://github.com/{self.repo} {path}"),
            ("commit", f"{self.commit} {self.date}"),
        ]


def _git(git_dir: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(git_dir), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise IpDataError(f"{git_dir}: git {args[0]} failed: {done.stderr.strip()[:200]}")
    return done.stdout


def open_snapshots(src: str, workdir: Path) -> Callable[[str], Snapshot]:
    """A function giving the snapshot of a repository: a checkout under the directory `src`,
    or a shallow clone from the URL base `src` into `workdir`."""
    cache: dict[str, Snapshot] = {}

    def snapshot(repo: str) -> Snapshot:
        if repo not in cache:
            owner, name = repo.split("/")
            if "://" in src:
                target = workdir / f"{owner}+{name}"
                url = f"{src.rstrip('/')}/{owner}/{name}"
                done = subprocess.run(
                    ["git", "clone", "--quiet", "--depth", "1", url, str(target)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode != 0:
                    raise IpDataError(f"cannot clone {url}: {done.stderr.strip()[:200]}")
                cache[repo] = Snapshot(repo, target)
            else:
                base = Path(src)
                found = [
                    p
                    for p in (
                        base / f"{owner}+{name}" / "repo",
                        base / f"{owner}+{name}",
                        base / owner / name,
                        base / owner / f"{name}.git",
                    )
                    if p.is_dir()
                ]
                if not found:
                    raise IpDataError(
                        f"{src}: no checkout of {repo} (looked for {owner}/{name} and "
                        f"{owner}+{name}); clone it there or pass --lists-from https://github.com"
                    )
                cache[repo] = Snapshot(repo, found[0])
        return cache[repo]

    return snapshot


def _cidrs(text: str, label: str) -> list[tuple[Network, str]]:
    out: list[tuple[Network, str]] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            try:
                out.append((ipaddress.ip_network(line, strict=False), label))
            except ValueError:
                continue  # a stray line upstream costs that line, not the list
    return out


def _widen(network: Network) -> Network:
    """The network widened to at most /24 (IPv4) or /48 (IPv6): Apple lists its egress in
    10,000s of small blocks inside CDN networks; their prefixes say the same in 2% of lines."""
    limit = 24 if network.version == 4 else 48
    return network.supernet(new_prefix=min(network.prefixlen, limit))


def _header(
    snaps: list[Snapshot], paths: list[str], licence: str, derived: str
) -> list[tuple[str, str]]:
    header: list[tuple[str, str]] = []
    for snap, path in zip(snaps, paths, strict=True):
        header += snap.cite(path)
    header.append(("date", min(s.date for s in snaps)[:10]))
    header.append(("licence", licence))
    header.append(("derived", derived))
    return header


def _ranges(
    snapshot: Callable[[str], Snapshot], files: list[tuple[str, str, str]]
) -> tuple[list[tuple[Network, str]], list[Snapshot], list[str]]:
    entries: list[tuple[Network, str]] = []
    snaps, paths = [], []
    for repo, path, label in files:
        snap = snapshot(repo)
        entries += _cidrs(snap.read(path), label)
        snaps.append(snap)
        paths.append(path)
    return entries, snaps, paths


def _asns(text: str) -> dict[int, str]:
    out: dict[int, str] = {}
    for line in text.splitlines():
        m = re.match(r"\s*AS(\d+)\s*(?:#\s*(.*))?$", line, re.IGNORECASE)
        if m and int(m.group(1)) not in out:
            out[int(m.group(1))] = (m.group(2) or "").strip()
    return out


def _licences(repos: list[str]) -> str:
    return "; ".join(f"{r}: {LICENCES[r]}" for r in dict.fromkeys(repos))


def derive_lists(snapshot: Callable[[str], Snapshot]) -> dict[str, str]:
    """The text of every list file, derived from the upstream snapshots."""
    return {
        **_asn_lists(snapshot(X4B)),
        "cloud_ranges": _cloud_ranges(snapshot),
        **_published_ranges(snapshot),
        "tor_exits": _tor_exits(snapshot(TOR_NODES)),
    }


def _asn_lists(x4b: Snapshot) -> dict[str, str]:
    """hosting_asns and vpn_asns, from X4BNet's AS lists."""
    path = "input/datacenter/ASN.txt"
    hosting = _asns(x4b.read(path))
    why = "every AS number of the file; the label is the file's comment"
    out = {
        "hosting_asns": render_list(
            "hosting_asns",
            _header([x4b], [path], LICENCES[X4B], why),
            [(str(a), label) for a, label in sorted(hosting.items())],
        )
    }
    path = "input/vpn/ASN.txt"
    vpn = {a: lbl for a, lbl in _asns(x4b.read(path)).items() if a not in VPN_ASNS_LEFT_OUT}
    left_out = ", ".join(f"AS{a} ({why})" for a, why in VPN_ASNS_LEFT_OUT.items())
    out["vpn_asns"] = render_list(
        "vpn_asns",
        _header([x4b], [path], LICENCES[X4B], f"every AS number of the file but {left_out}"),
        [(str(a), label) for a, label in sorted(vpn.items())],
    )
    return out


def _cloud_ranges(snapshot: Callable[[str], Snapshot]) -> str:
    """The cloud providers' published ranges, plus GCP and Azure from jhassine's file."""
    entries, snaps, paths = _ranges(snapshot, CLOUD_FILES)
    jh = snapshot(JHASSINE)
    for row in csv.reader(io.StringIO(jh.read("data/datacenters.csv"))):
        if len(row) == 4 and row[3] in JHASSINE_VENDORS:
            entries += _cidrs(row[0], JHASSINE_VENDORS[row[3]])
    return render_list(
        "cloud_ranges",
        _header(
            [*snaps, jh],
            [*paths, "data/datacenters.csv"],
            _licences([ALFRED, JHASSINE]),
            "the providers' published ranges, collapsed per provider; from "
            "data/datacenters.csv only the vendors GCP (cloud.json) and Azure",
        ),
        collapse(entries),
    )


def _published_ranges(snapshot: Callable[[str], Snapshot]) -> dict[str, str]:
    """vpn_ranges (the VPN providers' servers) and relay_ranges (Apple's relay egress)."""
    entries, snaps, paths = _ranges(snapshot, VPN_FILES)
    vpn = render_list(
        "vpn_ranges",
        _header(
            snaps,
            paths,
            _licences([X4B, ALFRED]),
            "server addresses the VPN providers publish (entry addresses; exits share "
            "them or their network), collapsed per provider",
        ),
        collapse(entries),
    )
    entries, snaps, paths = _ranges(snapshot, RELAY_FILES)
    relay = render_list(
        "relay_ranges",
        _header(
            snaps,
            paths,
            LICENCES[ALFRED],
            "Apple's egress-ip-ranges.csv (mask-api.icloud.com), widened to the /24 and "
            "/48 prefixes the service keeps, collapsed; never flagged as hosting or VPN",
        ),
        collapse((_widen(n), label) for n, label in entries),
    )
    return {"vpn_ranges": vpn, "relay_ranges": relay}


def _tor_exits(tor: Snapshot) -> str:
    """Every running relay with the Exit flag, from the Tor nodes snapshot."""
    path = "latest.exits.csv"
    exits: list[tuple[Network, str]] = []
    for row in csv.reader(io.StringIO(tor.read(path)), skipinitialspace=True):
        if len(row) >= 2 and row[1] != "ipaddr":
            exits += _cidrs(row[1], "")
    why = "the address of every running relay with the Exit flag, collapsed"
    return render_list(
        "tor_exits", _header([tor], [path], LICENCES[TOR_NODES], why), collapse(exits)
    )
