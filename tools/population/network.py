"""Client addresses: where each kind of applicant really connects from.

Honest traffic comes from residential broadband and mobile carriers of the applicant's
country (and a few offices, travellers and VPN users); fraud adds hosting and cloud
networks, commercial VPN exits, Tor exits and residential proxies. The prefixes are real
networks of real operators, so the service's own IP data sees what a production service
would see.

`Addresses.checked(lookup)` keeps only the residential and mobile prefixes that the
service's IP data places in the expected country (a /16 that moved abroad would turn an
honest applicant into a time-zone mismatch). When `engine/data/` holds hosting, VPN or Tor
lists (one address or CIDR per line, or CSV with it first), fraud draws its addresses from
those lists, so it uses networks the service itself knows.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from random import Random

from .catalogue import FOREIGN

# country -> residential broadband /16 prefixes (and a few larger ISPs' /16s)
RESIDENTIAL = {
    "de": ("84.150", "91.12", "79.200", "2.200"),
    "fr": ("86.212", "90.12", "78.192", "82.64"),
    "gb": ("80.229", "86.128", "81.96"),
    "es": ("2.140", "88.6", "83.32", "2.152"),
    "it": ("151.38", "93.40", "95.232", "79.16"),
    "nl": ("83.84", "84.26", "77.160", "62.45"),
    "us": ("73.12", "24.5", "98.207", "76.102"),
    "br": ("189.6", "177.32", "187.10", "201.21"),
}
# country -> mobile carrier /16 prefixes (carrier-grade NAT: many phones share them)
MOBILE = {
    "de": ("80.187", "37.80"),
    "fr": ("37.164", "92.184"),
    "gb": ("92.40", "31.94"),
    "es": ("83.32",),
    "it": ("5.90",),
    "nl": ("84.26",),
    "us": ("172.56", "174.192", "107.77"),
    "br": ("191.246", "179.220"),
}
HOSTING = (  # AWS, Google Cloud, Azure, DigitalOcean, OVH, Hetzner, Vultr, IONOS
    "3.120",
    "52.28",
    "18.130",
    "13.48",
    "34.89",
    "35.246",
    "20.50",
    "167.99",
    "159.89",
    "188.166",
    "46.101",
    "54.36",
    "37.187",
    "65.21",
    "95.216",
    "135.181",
    "45.77",
    "149.28",
)
VPN = (  # M247, Datacamp (CDN77), 31173 Services (Mullvad) exits: /24 prefixes
    "185.156.172",
    "217.138.192",
    "89.38.224",
    "37.19.200",
    "143.244.40",
    "156.146.40",
    "89.187.160",
    "185.65.134",
    "193.138.218",
)
TOR = (  # exit relays' /24s (Foundation for Applied Privacy, F3 Netze, Zwiebelfreunde...)
    "185.220.100",
    "185.220.101",
    "109.70.100",
    "192.42.116",
    "171.25.193",
    "104.244.72",
    "107.189.1",
)

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "engine" / "data"
_LIST_KINDS = {"hosting": ("hosting", "datacenter", "cloud"), "vpn": ("vpn",), "tor": ("tor",)}


def address(rng: Random, prefix: str) -> str:
    """A host address inside a /16 ("a.b") or /24 ("a.b.c") prefix, or a CIDR network."""
    if "/" in prefix:
        net = ipaddress.ip_network(prefix, strict=False)
        if net.num_addresses <= 2:  # a single exit (/32) or a point-to-point pair
            return str(net.network_address + rng.randrange(net.num_addresses))
        return str(net.network_address + 1 + rng.randrange(net.num_addresses - 2))
    parts = prefix.split(".")
    while len(parts) < 3:
        parts.append(str(rng.randint(0, 255)))
    return ".".join([*parts, str(rng.randint(1, 254))])


@dataclass
class Addresses:
    """The prefixes each kind of client draws its addresses from."""

    residential: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(RESIDENTIAL))
    mobile: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(MOBILE))
    hosting: tuple[str, ...] = HOSTING
    vpn: tuple[str, ...] = VPN
    tor: tuple[str, ...] = TOR
    foreign: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {f.code: f.residential for f in FOREIGN}
    )
    sources: dict[str, str] = field(default_factory=dict)  # kind -> where its list came from
    dropped: list[str] = field(default_factory=list)  # prefixes the service places elsewhere

    def home(self, rng: Random, country: str, *, mobile: bool = False) -> str:
        pools = self.mobile if mobile and self.mobile.get(country) else self.residential
        return address(rng, rng.choice(pools[country]))

    def abroad(self, rng: Random, code: str) -> str:
        """A home address in a fraudster's own country (`FOREIGN`)."""
        return address(rng, rng.choice(self.foreign[code]))

    def pick(self, rng: Random, kind: str) -> str:
        """An address of a `hosting`, `vpn` or `tor` network."""
        pool: tuple[str, ...] = getattr(self, kind)
        return address(rng, rng.choice(pool))

    def checked(self, lookup: Callable[[str], str | None]) -> Addresses:
        """Keep the country-bound prefixes that `lookup` (IP -> country code) places in their
        country; a country left with none keeps its list (better a mismatch than nothing)."""
        dropped: list[str] = []

        def keep(table: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
            out = {}
            for code, prefixes in table.items():
                good = tuple(
                    p for p in prefixes if (lookup(address(Random(p), p)) or "").lower() == code
                )
                dropped.extend(f"{code}:{p}" for p in prefixes if p not in good)
                out[code] = good or prefixes
            return out

        return replace(
            self,
            residential=keep(self.residential),
            mobile=keep(self.mobile),
            foreign=keep(self.foreign),
            dropped=dropped,
        )

    def with_service_lists(self, data_dir: Path = DATA_DIR) -> Addresses:
        """Hosting, VPN and Tor prefixes from the service's own lists, where it has them."""
        if not data_dir.is_dir():
            return self
        found: dict[str, list[str]] = {}
        sources: dict[str, str] = {}
        for path in sorted(data_dir.rglob("*")):
            name = path.name.lower()
            kind = next(
                (k for k, words in _LIST_KINDS.items() if any(w in name for w in words)), None
            )
            if kind is None or not path.is_file() or path.stat().st_size > 50_000_000:
                continue
            nets = list(_networks(_lines(path)))
            if nets:
                found.setdefault(kind, []).extend(nets)
                sources[kind] = str(path.relative_to(data_dir.parent.parent))
        return replace(
            self,
            hosting=tuple(found.get("hosting", self.hosting)),
            vpn=tuple(found.get("vpn", self.vpn)),
            tor=tuple(found.get("tor", self.tor)),
            sources={**self.sources, **sources},
        )


def _lines(path: Path) -> Iterable[str]:
    try:
        if path.suffix == ".gz":
            import gzip

            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
                yield from f
        else:
            with path.open(encoding="utf-8", errors="replace") as f:
                yield from f
    except OSError:
        return


def _networks(lines: Iterable[str]) -> Iterable[str]:
    """IPv4 networks (as CIDR) from the first column of each line; anything else skipped."""
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        first = text.replace(",", " ").replace("\t", " ").split()[0].strip("\"'")
        try:
            net = ipaddress.ip_network(first, strict=False)
        except ValueError:
            continue
        if net.version == 4 and net.prefixlen >= 8 and net.is_global:
            yield str(net)
