from __future__ import annotations

import pytest

from plugins import network_risk
from tests.plugins.support import PROFILES, UA, build_context, build_session, codes_of

extract = network_risk.anonscore_extract_features
evaluate = network_risk.anonscore_evaluate_rule
CTX = build_context()
CHROME = PROFILES["chrome_windows_us"][0]
TOR_UA = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"


def tor_browser(**software: object) -> dict[str, object]:
    return {
        "software": {
            "user_agent": TOR_UA,
            "platform": "Win32",
            "timezone": "UTC",
            "timezone_offset_min": 0,
            "languages": ["en-US", "en"],
            **software,
        },
        "device": {"screen_width": 1400, "screen_height": 800, "hardware_concurrency": 2},
    }


def test_no_hit_on_real_devices(real_profile) -> None:
    assert evaluate(real_profile, CTX) is None
    assert extract(real_profile, CTX) == {
        "ip_asn_kind": None,
        "tor_profile_signals": 0,
        "proxy_headers": 0,
    }


def test_sdk_reports_vpn_and_proxy() -> None:
    session = build_session(
        {"network": {"vpn_active": True, "proxy_configured": True}}, channel="android"
    )
    hits = evaluate(session, CTX)
    assert [(h.code, h.flag) for h in hits] == [
        ("VPN_ACTIVE", "vpn"),
        ("PROXY_CONFIGURED", "proxy"),
    ]
    quiet = build_session({"network": {"vpn_active": False, "proxy_configured": False}})
    assert evaluate(quiet, CTX) is None


@pytest.mark.parametrize("asn", [16509, 14618, 396982, 8075, 14061, 16276, 24940, 63949, 20473])
def test_hosting_asns_are_datacenter(asn: int) -> None:
    session = build_session(CHROME, ip_asn=asn, ip_country="US")
    hits = evaluate(session, CTX)
    assert [(h.code, h.flag) for h in hits] == [("DATACENTER_ASN", "datacenter_ip")]
    assert extract(session, CTX)["ip_asn_kind"] == "datacenter"


@pytest.mark.parametrize("asn", [9009, 60068, 147049])
def test_vpn_provider_asns_are_vpn_not_datacenter(asn: int) -> None:
    hits = evaluate(build_session(CHROME, ip_asn=asn), CTX)
    assert [(h.code, h.flag) for h in hits] == [("VPN_ASN", "vpn")]


@pytest.mark.parametrize("asn", [7922, 3320, 13335, 36183, 54113, None])
def test_residential_and_privacy_relay_asns_are_quiet(asn: int | None) -> None:
    # 13335 Cloudflare (WARP), 36183 Akamai and 54113 Fastly carry iCloud Private Relay
    assert evaluate(build_session(CHROME, ip_asn=asn), CTX) is None


def test_tenant_asn_settings() -> None:
    session = build_session(CHROME, ip_asn=64500)
    assert evaluate(session, CTX) is None
    extra = build_context({"extra_datacenter_asns": [64500]})
    assert codes_of(evaluate(session, extra)) == {"DATACENTER_ASN"}
    extra_vpn = build_context({"extra_vpn_asns": [64500]})
    assert codes_of(evaluate(session, extra_vpn)) == {"VPN_ASN"}
    ignore = build_context({"ignore_asns": [16509]})
    assert evaluate(build_session(CHROME, ip_asn=16509), ignore) is None
    junk = build_context({"extra_datacenter_asns": "64500", "ignore_asns": [True, "x"]})
    assert evaluate(session, junk) is None


def test_asn_names_from_the_ip_database() -> None:
    for name, kind in [
        ("AMAZON-02", "datacenter"),
        ("DIGITALOCEAN-ASN", "datacenter"),
        ("Hetzner Online GmbH", "datacenter"),
        ("M247 Europe SRL", "vpn"),
        ("Datacamp Limited", "vpn"),
        ("Comcast Cable Communications, LLC", None),
        ("GOOGLE-FIBER", None),
    ]:
        session = build_session(CHROME, ip_asn_name=name)
        assert extract(session, CTX)["ip_asn_kind"] == kind, name


def test_proxy_headers_set_the_proxy_flag() -> None:
    session = build_session(CHROME, proxy_headers=("via",))
    hits = evaluate(session, CTX)
    assert [(h.code, h.flag, h.strength) for h in hits] == [("PROXY_HEADERS", "proxy", 0.6)]
    assert extract(session, CTX)["proxy_headers"] == 1
    two = evaluate(build_session(CHROME, proxy_headers=("via", "x-forwarded-for")), CTX)
    assert two[0].strength == pytest.approx(0.8)


def test_tor_browser_profile() -> None:
    hits = evaluate(build_session(tor_browser()), CTX)
    assert [(h.code, h.flag, h.strength) for h in hits] == [("TOR_BROWSER_PROFILE", "tor", 1.0)]
    assert extract(build_session(tor_browser()), CTX)["tor_profile_signals"] == 3
    # recent releases report Atlantic/Reykjavik
    reykjavik = tor_browser(timezone="Atlantic/Reykjavik")
    assert codes_of(evaluate(build_session(reykjavik), CTX)) == {"TOR_BROWSER_PROFILE"}


def test_tor_needs_two_supporting_traces() -> None:
    attrs = tor_browser(languages=["de-DE", "de"])
    assert evaluate(build_session(attrs), CTX)[0].strength == pytest.approx(0.7)
    attrs["device"] = {"screen_width": 1920, "screen_height": 1080, "hardware_concurrency": 2}
    assert evaluate(build_session(attrs), CTX) is None


@pytest.mark.parametrize(
    "software",
    [
        {"user_agent": UA["firefox_win"]},  # Firefox release, not ESR
        {"user_agent": UA["chrome_win"]},
        {"timezone": "Europe/Berlin", "timezone_offset_min": 60},  # ESR at home
        {"timezone": "UTC", "timezone_offset_min": 60},
    ],
)
def test_not_tor(software: dict[str, object]) -> None:
    assert evaluate(build_session(tor_browser(**software)), CTX) is None
