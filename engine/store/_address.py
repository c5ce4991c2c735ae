"""Where the cluster store is and how to log in: the store URL, parsed.

    redis://HOST:PORT[,HOST:PORT...]                 any nodes of the cluster (seeds)
    rediss://HOST:PORT                               TLS, the platform's root certificates
    rediss://HOST:PORT?ca=/etc/anonscore/ca.pem      TLS, a private certificate authority
    redis://:PASSWORD@HOST:PORT                      `requirepass` / the default user
    redis://USER:PASSWORD@HOST:PORT                  an ACL user

`valkey://` and `valkeys://` are the same as `redis://` and `rediss://`. The user name and
password are percent-decoded. A password in the URL shows in the process list (the `--store`
argument) and wherever the URL is written down; `ANONSCORE_STORE_PASSWORD` (and
`ANONSCORE_STORE_USERNAME`) in the environment give them instead, when the URL has none.
Nothing here ever puts the password in an error message: `redacted` is the URL to show.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

PLAIN = ("redis", "valkey")
TLS = ("rediss", "valkeys")
PASSWORD_ENV = "ANONSCORE_STORE_PASSWORD"
USERNAME_ENV = "ANONSCORE_STORE_USERNAME"
_SHAPE = "store url must look like redis://HOST:PORT (any node of the cluster)"


@dataclass(frozen=True)
class StoreAddress:
    seeds: list[tuple[str, int]]
    tls: bool = False
    ca_file: Path | None = None  # PEM root certificates for TLS; None: the platform's
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def redacted(self) -> str:
        """The URL without its password (for messages and logs)."""
        scheme = "rediss" if self.tls else "redis"
        who = ""
        if self.username or self.password:
            who = f"{self.username or ''}{':***' if self.password else ''}@"
        nodes = ",".join(f"[{h}]:{p}" if ":" in h else f"{h}:{p}" for h, p in self.seeds)
        query = f"?ca={self.ca_file}" if self.ca_file is not None else ""
        return f"{scheme}://{who}{nodes}{query}"


def parse_store_url(url: str, env: Mapping[str, str] | None = None) -> StoreAddress:
    """The store URL as seeds, TLS and credentials (see the module docstring). Raises
    ValueError naming what is wrong, never quoting the URL (it may hold a password)."""
    env = os.environ if env is None else env
    parts = urlsplit(url)
    if parts.scheme not in PLAIN + TLS or not parts.netloc or parts.path not in ("", "/"):
        raise ValueError(_SHAPE)
    if parts.fragment:
        raise ValueError(_SHAPE)
    userinfo, _, nodes = parts.netloc.rpartition("@")
    seeds = []
    for item in nodes.split(","):
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(
                "store url must name each node as HOST:PORT, e.g. redis://10.0.0.5:6379"
            )
        seeds.append((host.strip("[]"), int(port)))
    username: str | None = None
    password: str | None = None
    if userinfo:
        name, colon, secret = userinfo.partition(":")
        username = unquote(name) or None
        password = unquote(secret) if colon else None
    username = username or env.get(USERNAME_ENV) or None
    password = password or env.get(PASSWORD_ENV) or None
    if username and not password:
        raise ValueError(
            f"store url names a user but no password; put it in the url or in {PASSWORD_ENV}"
        )
    tls = parts.scheme in TLS
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"ca"})
    if unknown:
        raise ValueError(f"store url: unknown parameter {unknown[0]!r} (only ca= is known)")
    ca_file: Path | None = None
    if "ca" in query:
        if not tls:
            raise ValueError("store url: ca= is for TLS; use rediss:// with it")
        ca_file = Path(query["ca"][-1])
        if not ca_file.is_file():
            raise ValueError(f"store url: ca={ca_file}: no such file")
    return StoreAddress(seeds, tls, ca_file, username, password)
