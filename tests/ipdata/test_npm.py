"""engine/ipdata/_npm.py: versions as dates, integrity, and the download path, against a
registry laid out on disk (file://), so no test needs the network."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import tarfile
from pathlib import Path

import msgspec
import pytest

from engine.ipdata import IpDataError, update_data
from engine.ipdata import _npm as npm
from tests.ipdata.support import write_lists, write_packages


def test_version_date() -> None:
    assert npm.version_date("2.3.2026061719") == dt.datetime(2026, 6, 17, 19, tzinfo=dt.UTC)
    assert npm.version_date("1.0.0") is None
    assert npm.version_date("2.3.2026133119") is None


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_check_integrity() -> None:
    npm.check_integrity(b"abc", integrity(b"abc"), "x")
    with pytest.raises(IpDataError) as info:
        npm.check_integrity(b"abd", integrity(b"abc"), "x.tgz")
    assert str(info.value) == (
        "x.tgz: the download does not match its sha512 integrity; delete it and retry"
    )
    with pytest.raises(IpDataError, match="unknown integrity algorithm 'md5'"):
        npm.check_integrity(b"abc", "md5-xyz", "x")


def test_pinned_tarball_url_needs_no_lookup() -> None:
    pin = npm.load_pins()["asn"]
    version, url, sha = npm.resolve(pin, latest=False)
    assert (version, sha) == (pin.version, pin.integrity)
    assert url == f"https://registry.npmjs.org/@ip-location-db/asn/-/asn-{pin.version}.tgz"


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, npm.Package]:
    """Both packages published to a registry on disk, and pins pointing at them."""
    unpacked = write_packages(tmp_path / "unpacked", version="2.3.2026010212")
    root = tmp_path / "registry"
    pins: dict[str, npm.Package] = {}
    for key, pin in npm.load_pins().items():
        base = pin.name.rpartition("/")[2]
        tgz = root / pin.name / "-" / f"{base}-2.3.2026010212.tgz"
        tgz.parent.mkdir(parents=True)
        with tarfile.open(tgz, "w:gz") as tar:
            tar.add(unpacked / key / "package", arcname="package")
        sha = integrity(tgz.read_bytes())
        latest = {"version": "2.3.2026010212", "dist": {"tarball": tgz.as_uri(), "integrity": sha}}
        (root / pin.name / "latest").write_text(json.dumps(latest))
        pins[key] = msgspec.structs.replace(pin, version="2.3.2026010212", integrity=sha)
    monkeypatch.setattr(npm, "REGISTRY", root.as_uri())
    monkeypatch.setattr(npm, "load_pins", lambda: pins)
    return pins


@pytest.mark.parametrize("latest", [False, True])
def test_download_then_cache(
    registry: dict[str, npm.Package], tmp_path: Path, latest: bool
) -> None:
    lines: list[str] = []
    path = npm.download(registry["asn"], tmp_path / "cache", latest=latest, say=lines.append)
    assert path == tmp_path / "cache" / "ip-location-db-asn-2.3.2026010212.tgz"
    assert lines[0].startswith("downloading file://")
    npm.download(registry["asn"], tmp_path / "cache", latest=latest, say=lines.append)
    assert lines[1] == f"using {path}"
    path.write_bytes(path.read_bytes()[:-1])  # a damaged cache is caught, not used
    with pytest.raises(IpDataError, match="does not match its sha512 integrity"):
        npm.download(registry["asn"], tmp_path / "cache", latest=latest, say=lines.append)


def test_update_data_downloads_the_pins(registry: dict[str, npm.Package], tmp_path: Path) -> None:
    lists = write_lists(tmp_path / "lists")
    lines: list[str] = []
    meta = update_data(tmp_path / "ip", source=lists, say=lines.append)
    assert meta is not None
    assert {p.version for p in meta.packages} == {"2.3.2026010212"}
    assert sum(line.startswith("downloading ") for line in lines) == 2
    assert (tmp_path / "ip" / "cache").is_dir()
    # the set-up check: nothing to do until a pin moves
    assert update_data(tmp_path / "ip", source=lists, if_stale=True, say=lines.append) is None
