"""engine/ipdata/_sources.py: the lists derived from upstream git repositories (small local
ones with the upstream layout), cited by commit and date."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from engine.ipdata import IpDataError, parse_list, update_data
from engine.ipdata._sources import derive_lists, open_snapshots
from tests.ipdata.support import write_packages

UPSTREAM: dict[str, dict[str, str]] = {
    "X4BNet/lists_vpn": {
        "input/datacenter/ASN.txt": "AS16509 # AMAZON-02\nAS8560 # IONOS\nAS8560 # again\n"
        "not an asn line\n",
        "input/vpn/ASN.txt": "AS9009 # M247, GB (NordVPN)\nAS60729 # Tor Servers\n",
        "input/vpn/ips/mullvadvpn.txt": "198.51.100.1/32\n198.51.100.2/32\n198.51.100.3/32\n",
        "input/vpn/ips/pia.txt": "198.51.100.64/31\n",
    },
    "lord-alfred/ipranges": {
        **{
            f"{p}/ipv{v}_merged.txt": ""
            for p in ("amazon", "digitalocean", "linode", "vultr")
            for v in (4, 6)
        },
        "amazon/ipv4_merged.txt": "3.5.140.0/22\n3.5.136.0/22\n",
        "amazon/ipv6_merged.txt": "2600:1f00::/24\n",
        "oracle/ipv4_merged.txt": "129.146.0.0/16\n",
        "protonvpn/ipv4_merged.txt": "2.58.241.66/32\n",
        "apple-proxy/ipv4_merged.txt": "172.224.226.0/27\n172.224.226.64/28\n",
        "apple-proxy/ipv6_merged.txt": "2a02:26f7:b3c0:4000::/64\n",
    },
    "jhassine/server-ip-addresses": {
        "data/datacenters.csv": '"cidr","hostmin","hostmax","vendor"\n'
        '"3.5.140.0/22","3.5.140.0","3.5.143.255","AWS"\n'
        '"104.16.0.0/13","104.16.0.0","104.23.255.255","CloudFlare"\n'
        '"34.120.0.0/16","34.120.0.0","34.120.255.255","GCP"\n'
        '"20.1.0.0/16","20.1.0.0","20.1.255.255","Azure"\n',
    },
    "alireza-rezaee/tor-nodes": {
        "latest.exits.csv": "fingerprint, ipaddr, port\nAAAA, 185.220.101.33, 443\n"
        "BBBB, 185.220.101.32, 9001\nCCCC, 2620:7:6003::141, 81\n",
    },
}


def git(cwd: Path, *args: str) -> str:
    env = ["-c", "user.name=test", "-c", "user.email=test@example.org"]
    done = subprocess.run(["git", *env, *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("upstream")
    for repo, files in UPSTREAM.items():
        root = base / repo
        root.mkdir(parents=True)
        git(root, "init", "-q")
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "data", "--date", "2026-08-21T10:00:00+00:00")
    return base


def test_lists_cite_each_upstream_commit(upstream: Path, tmp_path: Path) -> None:
    lists = derive_lists(open_snapshots(str(upstream), tmp_path))
    x4b = git(upstream / "X4BNet/lists_vpn", "rev-parse", "HEAD")
    hosting = parse_list("hosting_asns", lists["hosting_asns"])
    assert hosting.header["source"] == [
        "https://github.com/X4BNet/lists_vpn input/datacenter/ASN.txt"
    ]
    assert hosting.header["commit"][0].startswith(f"{x4b} 20")
    assert hosting.first("licence").startswith("MIT")
    assert hosting.asns() == {8560: "IONOS", 16509: "AMAZON-02"}  # first comment wins
    for name, text in lists.items():
        lf = parse_list(name, text)
        assert lf.date is not None, name
        assert lf.first("derived"), name


def test_each_derivation_rule(upstream: Path, tmp_path: Path) -> None:
    lists = {
        n: parse_list(n, t)
        for n, t in derive_lists(open_snapshots(str(upstream), tmp_path)).items()
    }
    assert lists["vpn_asns"].asns() == {9009: "M247, GB (NordVPN)"}  # AS60729 left to Tor
    assert "AS60729" in lists["vpn_asns"].first("derived")
    assert lists["cloud_ranges"].entries == (
        ("3.5.136.0/21", "Amazon AWS"),  # collapsed
        ("20.1.0.0/16", "Microsoft Azure"),
        ("34.120.0.0/16", "Google Cloud"),  # from the CSV: GCP and Azure only
        ("129.146.0.0/16", "Oracle Cloud"),
        ("2600:1f00::/24", "Amazon AWS"),
    )
    assert lists["vpn_ranges"].entries == (
        ("2.58.241.66/32", "Proton VPN"),
        ("198.51.100.1/32", "Mullvad VPN"),
        ("198.51.100.2/31", "Mullvad VPN"),
        ("198.51.100.64/31", "Private Internet Access"),
    )
    assert lists["relay_ranges"].entries == (  # widened to the /24 and /48 the service keeps
        ("172.224.226.0/24", "iCloud Private Relay"),
        ("2a02:26f7:b3c0::/48", "iCloud Private Relay"),
    )
    assert lists["tor_exits"].entries == (("185.220.101.32/31", ""), ("2620:7:6003::141/128", ""))


def test_clone_from_a_url_base(upstream: Path, tmp_path: Path) -> None:
    lists = derive_lists(open_snapshots(f"file://{upstream}", tmp_path))
    assert (tmp_path / "X4BNet+lists_vpn" / ".git").is_dir()
    assert "185.220.101.32/31" in lists["tor_exits"]


def test_missing_checkout_and_failed_clone(tmp_path: Path) -> None:
    with pytest.raises(IpDataError) as info:
        derive_lists(open_snapshots(str(tmp_path), tmp_path))
    assert str(info.value) == (
        f"{tmp_path}: no checkout of X4BNet/lists_vpn (looked for X4BNet/lists_vpn and "
        "X4BNet+lists_vpn); clone it there or pass --lists-from https://github.com"
    )
    with pytest.raises(IpDataError, match=r"^cannot clone file:///nonexistent/X4BNet/lists_vpn: "):
        derive_lists(open_snapshots("file:///nonexistent", tmp_path))


def test_update_data_with_fresh_lists(upstream: Path, tmp_path: Path) -> None:
    out = tmp_path / "lists"
    meta = update_data(
        tmp_path / "ip",
        source=write_packages(tmp_path / "pkgs"),
        lists_from=str(upstream),
        write_lists=out,
        say=lambda _: None,
    )
    assert meta is not None
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{m.name}.txt" for m in meta.lists)
    assert {m.origin for m in meta.lists} == {f"upstream {upstream}"}
    assert next(m for m in meta.lists if m.name == "vpn_asns").entries == 1
