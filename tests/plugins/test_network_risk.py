from __future__ import annotations

import pytest

from engine.ipdata import DEFAULT_DIR, load_ip_data
from engine.privacy.network import IpReducer
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
        "ip_provider": None,
        "ip_tor_exit": None,
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


def test_hosting_network_is_datacenter() -> None:
    session = build_session(CHROME, ip_asn=16509, ip_hosting="Amazon AWS")
    hits = evaluate(session, CTX)
    assert [(h.code, h.flag, h.detail) for h in hits] == [
        ("DATACENTER_ASN", "datacenter_ip", "Amazon AWS")
    ]
    features = extract(session, CTX)
    assert (features["ip_asn_kind"], features["ip_provider"]) == ("datacenter", "Amazon AWS")


def test_vpn_network_is_vpn_not_datacenter() -> None:
    # M247 is a hosting company too; the VPN fact is the more specific one
    session = build_session(CHROME, ip_asn=9009, ip_hosting="M247 Europe SRL", ip_vpn="M247")
    hits = evaluate(session, CTX)
    assert [(h.code, h.flag, h.strength) for h in hits] == [("VPN_ASN", "vpn", 0.8)]
    assert extract(session, CTX)["ip_provider"] == "M247"


@pytest.mark.parametrize("asn", [7922, 3320, 13335, 36183, 54113, None])
def test_asn_alone_decides_nothing(asn: int | None) -> None:
    # the lists are applied by the IP data at collect; a bare number only meets tenant settings
    assert evaluate(build_session(CHROME, ip_asn=asn), CTX) is None


def test_tor_exit_address() -> None:
    session = build_session(CHROME, ip_asn=60729, ip_tor_exit=True)
    hits = evaluate(session, CTX)
    assert [(h.code, h.flag, h.strength) for h in hits] == [("TOR_EXIT", "tor", 1.0)]
    assert extract(session, CTX)["ip_tor_exit"] is True
    assert evaluate(build_session(CHROME, ip_tor_exit=False), CTX) is None


def test_tenant_asn_settings() -> None:
    session = build_session(CHROME, ip_asn=64500, ip_asn_name="EXAMPLE-NET")
    assert evaluate(session, CTX) is None
    extra = build_context({"extra_datacenter_asns": [64500]})
    assert [(h.code, h.detail) for h in evaluate(session, extra)] == [
        ("DATACENTER_ASN", "EXAMPLE-NET")
    ]
    extra_vpn = build_context({"extra_vpn_asns": [64500]})
    assert codes_of(evaluate(session, extra_vpn)) == {"VPN_ASN"}
    assert extract(session, extra_vpn)["ip_provider"] == "EXAMPLE-NET"
    junk = build_context({"extra_datacenter_asns": "64500", "ignore_asns": [True, "x"]})
    assert evaluate(session, junk) is None


def test_ignore_asns_exempts_listed_and_published_networks_but_not_tor() -> None:
    ignore = build_context({"ignore_asns": [16509, 9009, 60729]})
    aws = build_session(CHROME, ip_asn=16509, ip_hosting="Amazon AWS")  # a published range
    assert evaluate(aws, ignore) is None
    assert extract(aws, ignore)["ip_asn_kind"] is None
    vpn = build_session(CHROME, ip_asn=9009, ip_vpn="M247")
    assert evaluate(vpn, ignore) is None
    tor = build_session(CHROME, ip_asn=60729, ip_hosting="Tor relay host", ip_tor_exit=True)
    assert codes_of(evaluate(tor, ignore)) == {"TOR_EXIT"}
    # ignoring wins over the tenant's own extra lists
    both = build_context({"ignore_asns": [64500], "extra_datacenter_asns": [64500]})
    assert evaluate(build_session(CHROME, ip_asn=64500), both) is None


@pytest.fixture(scope="module")
def reducer() -> IpReducer:
    data = load_ip_data(DEFAULT_DIR)
    assert data.built is not None, data.problem
    return IpReducer(b"test-secret-0123456789abcdef", data)


@pytest.mark.parametrize(
    ("ip", "codes", "provider"),
    [
        ("3.5.140.2", {"DATACENTER_ASN"}, "Amazon AWS"),
        ("34.120.0.1", {"DATACENTER_ASN"}, "Google Cloud"),
        ("212.227.1.1", {"DATACENTER_ASN"}, "IONOS SE"),
        ("23.144.160.67", {"VPN_ASN"}, "Mullvad VPN"),  # a published server address
        ("2.56.16.1", {"VPN_ASN"}, "M247, GB (NordVPN)"),  # a VPN provider's network
        ("185.220.101.33", {"DATACENTER_ASN", "TOR_EXIT"}, "Stiftung Erneuerbare Freiheit"),
        ("185.220.100.240", {"TOR_EXIT"}, None),
        ("24.1.1.1", set(), None),  # Comcast
        ("172.224.226.1", set(), None),  # iCloud Private Relay egress
    ],
)
def test_shipped_data_drives_the_rule(
    reducer: IpReducer, ip: str, codes: set[str], provider: str | None
) -> None:
    facts = reducer.reduce(ip)
    session = build_session(
        CHROME,
        ip_asn=facts.asn,
        ip_asn_name=facts.asn_name,
        ip_hosting=facts.hosting,
        ip_vpn=facts.vpn,
        ip_tor_exit=facts.tor_exit,
    )
    assert codes_of(evaluate(session, CTX) or []) == codes
    assert extract(session, CTX)["ip_provider"] == provider


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
