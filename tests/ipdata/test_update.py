"""engine/ipdata/update.py and _store.py: builds from --from, the atomic switch, --if-stale,
the command line, and IpData's date, age and warning."""

from __future__ import annotations

import datetime as dt
import io
import ipaddress
import tarfile
from pathlib import Path

import pytest

from engine.cli import main as cli
from engine.ipdata import IpData, IpDataError, load_ip_data, update_data
from engine.ipdata._store import builds_dir, current_id
from tests.ipdata.support import LISTS, list_text, write_lists, write_packages

BUILT = dt.datetime(2026, 1, 2, 12, tzinfo=dt.UTC)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_lists(write_packages(tmp_path / "src"))


def quiet(_: str) -> None:
    pass


def asn_of(data: IpData, ip: str) -> int:
    return data.row(ipaddress.ip_address(ip).packed)[0]


def test_build_from_a_directory(tmp_path: Path, source: Path) -> None:
    lines: list[str] = []
    meta = update_data(tmp_path / "ip", source=source, say=lines.append)
    assert meta is not None
    assert meta.built == BUILT
    assert {p.version for p in meta.packages} == {"2.3.2026010212"}
    assert meta.rows["4"] > 5
    assert meta.rows["6"] > 3
    assert {m.name: m.entries for m in meta.lists} == {k: len(v) for k, v in LISTS.items()}
    assert all(m.date == dt.date(2026, 1, 3) for m in meta.lists)
    assert lines[-1] == "the running service takes it on reload: anonscore reload"
    assert any(line.startswith("  data of 2026-01-02 12:00 UTC") for line in lines)
    data = load_ip_data(tmp_path / "ip")
    assert data.built == BUILT
    assert asn_of(data, "198.51.100.7") == 64500
    build = builds_dir(tmp_path / "ip") / meta.build_id
    assert (build / "lists" / "tor_exits.txt").read_text() == list_text("tor_exits")
    assert not list(builds_dir(tmp_path / "ip").glob(".tmp-*"))


def test_age_and_the_sixty_day_warning(tmp_path: Path, source: Path) -> None:
    update_data(tmp_path / "ip", source=source, say=quiet)
    data = load_ip_data(tmp_path / "ip")
    assert data.age_days(BUILT + dt.timedelta(days=10, hours=12)) == pytest.approx(10.5)
    assert data.age_days(BUILT.timestamp() + 86_400) == pytest.approx(1.0)
    assert data.warning(BUILT + dt.timedelta(days=60)) is None
    assert data.warning(BUILT + dt.timedelta(days=75)) == (
        "ip data is 75 days old (built 2026-01-02), over 60; "
        "run anonscore update-data, then anonscore reload"
    )
    described = data.describe(BUILT + dt.timedelta(days=2))
    assert described["built"] == "2026-01-02T12:00:00Z"
    assert described["age_days"] == 2.0
    assert described["lists"]["tor_exits"] == "2026-01-03"


def test_no_build_falls_back_to_the_shipped_lists(tmp_path: Path) -> None:
    data = load_ip_data(tmp_path / "nothing")
    assert (data.built, data.age_days(BUILT), data.build_id) == (None, None, None)
    assert data.problem.startswith("no ip data in ")
    assert data.problem.endswith("; run anonscore update-data (or tools/run setup)")
    assert data.warning(BUILT) == data.problem
    assert data.describe(BUILT)["built"] is None
    # lists still answer: a Tor exit of the shipped list, no AS number
    assert data.row(ipaddress.ip_address("185.220.101.33").packed)[4] == 1


def test_rebuild_switches_atomically_while_a_reader_keeps_the_old_table(
    tmp_path: Path, source: Path
) -> None:
    root = tmp_path / "ip"
    first = update_data(root, source=source, say=quiet)
    old = load_ip_data(root)
    assert asn_of(old, "198.51.100.7") == 64500
    newer = write_packages(tmp_path / "newer", version="2.3.2026020100")
    csv = newer / "asn" / "package" / "asn-ipv4-num.csv"
    csv.write_text(csv.read_text().replace(",64500,", ",64999,"))
    second = update_data(root, source=newer, say=quiet)
    assert first is not None
    assert second is not None
    assert current_id(root) == second.build_id
    new = load_ip_data(root)
    assert new is not old
    assert asn_of(new, "198.51.100.7") == 64999
    assert new.built == dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    assert asn_of(old, "198.51.100.7") == 64500  # the holder of the old table is unaffected
    # a third build prunes the first; the old holder still answers from memory
    third = update_data(root, source=newer, say=quiet)
    assert third is not None
    kept = sorted(p.name for p in builds_dir(root).iterdir())
    assert kept == sorted([second.build_id, third.build_id])
    assert asn_of(old, "198.51.100.7") == 64500


def test_if_stale_builds_only_when_something_changed(tmp_path: Path, source: Path) -> None:
    root = tmp_path / "ip"
    first = update_data(root, source=source, say=quiet)
    lines: list[str] = []
    assert update_data(root, source=source, if_stale=True, say=lines.append) is None
    assert lines[-1].startswith(f"ip data is current: {root} (data of 2026-01-02, build ")
    (source / "tor_exits.txt").write_text(list_text("tor_exits").replace("203.0.113.5/32", ""))
    second = update_data(root, source=source, if_stale=True, say=quiet)
    assert second is not None
    assert first is not None
    assert second.build_id != first.build_id


def test_lists_default_to_the_newer_of_shipped_and_current(tmp_path: Path) -> None:
    root = tmp_path / "ip"
    packages = write_packages(tmp_path / "pkgs")  # no list files: shipped lists are used
    meta = update_data(root, source=packages, say=quiet)
    assert meta is not None
    assert {m.origin for m in meta.lists} == {f"engine/data/{m.name}.txt" for m in meta.lists}
    # a list newer than the shipped one, given once with --from, stays in later builds
    future = [("source", "test"), ("date", "2099-01-01"), ("licence", "CC0-1.0")]
    (packages / "tor_exits.txt").write_text(list_text("tor_exits", future))
    update_data(root, source=packages, say=quiet)
    (packages / "tor_exits.txt").unlink()
    meta = update_data(root, source=packages, say=quiet)
    assert meta is not None
    tor = next(m for m in meta.lists if m.name == "tor_exits")
    assert (tor.date, tor.entries) == (dt.date(2099, 1, 1), 2)
    assert "/builds/" in tor.origin


def test_tarballs_and_loose_csvs(tmp_path: Path) -> None:
    unpacked = write_packages(tmp_path / "unpacked")
    tarballs = tmp_path / "tarballs"
    tarballs.mkdir()
    for key in ("asn", "country"):
        with tarfile.open(tarballs / f"{key}.tgz", "w:gz") as tar:
            tar.add(unpacked / key / "package", arcname="package")
    meta = update_data(tmp_path / "a", source=tarballs, say=quiet)
    assert meta is not None
    assert meta.built == BUILT
    loose = tmp_path / "loose"
    loose.mkdir()
    for csv in unpacked.glob("*/package/*.csv"):
        (loose / csv.name).write_bytes(csv.read_bytes())
    meta = update_data(tmp_path / "b", source=loose, say=quiet)
    assert meta is not None
    assert all(p.version.startswith("files-") for p in meta.packages)


def test_the_command_line(tmp_path: Path, source: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "ip"
    assert cli(["update-data", "--from", str(source), "--ip-data-dir", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"built {root}/builds/" in out
    assert "IPv4 " in out
    assert " segments, IPv6 " in out
    assert out.rstrip().endswith("the running service takes it on reload: anonscore reload")
    assert load_ip_data(root).built == BUILT


def test_the_command_line_reads_ip_data_dir_from_service_toml(
    tmp_path: Path, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "service.toml").write_text('ip_data_dir = "somewhere/ipdata"\n')
    monkeypatch.chdir(tmp_path)
    assert cli(["update-data", "--from", str(source), "--config-dir", str(config)]) == 0
    assert current_id(tmp_path / "somewhere" / "ipdata") is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "/nonexistent"], "anonscore: --from /nonexistent: not a directory\n"),
        (["--write-lists", "x"], "anonscore: --write-lists needs --lists-from\n"),
    ],
)
def test_command_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = cli(["update-data", "--ip-data-dir", str(tmp_path), *args])
    assert code in (1, 2)
    assert capsys.readouterr().err == message


def test_a_bad_list_line_names_file_and_line(tmp_path: Path, source: Path) -> None:
    (source / "vpn_ranges.txt").write_text(list_text("vpn_ranges") + "300.1.2.0/24 Broken\n")
    with pytest.raises(IpDataError) as info:
        update_data(tmp_path / "ip", source=source, say=quiet)
    assert str(info.value) == (
        f"{source}/vpn_ranges.txt: line 6: expected a CIDR network first; fix or remove the line"
    )
    assert current_id(tmp_path / "ip") is None  # nothing half-built became current


def test_a_package_without_its_csv(tmp_path: Path, source: Path) -> None:
    (source / "asn" / "package" / "asn-ipv6-num.csv").unlink()
    with pytest.raises(IpDataError, match=r"package: no asn-ipv6-num.csv; give the package's"):
        update_data(tmp_path / "ip", source=source, say=quiet)


def test_a_corrupt_current_build_is_replaced(tmp_path: Path, source: Path) -> None:
    root = tmp_path / "ip"
    meta = update_data(root, source=source, say=quiet)
    assert meta is not None
    (builds_dir(root) / meta.build_id / "meta.json").write_text("{")
    with pytest.raises(IpDataError, match="not a readable ip data build"):
        load_ip_data(root)
    lines: list[str] = []
    update_data(root, source=source, if_stale=True, say=lines.append)
    assert lines[0].startswith("the current build is unreadable, building a new one")
    assert load_ip_data(root).built == BUILT


def test_reading_large_inputs_streams(tmp_path: Path) -> None:
    # a tarball member is read through a stream, not extracted to disk
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("package/package.json")
        body = b'{"name": "@ip-location-db/asn", "version": "nodate"}'
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    (tmp_path / "asn.tgz").write_bytes(buf.getvalue())
    with pytest.raises(IpDataError, match=r"version 'nodate' does not hold a build date"):
        update_data(tmp_path / "ip", source=tmp_path, say=quiet)
