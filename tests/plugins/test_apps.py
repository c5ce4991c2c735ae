from __future__ import annotations

import pytest

from plugins import apps
from tests.plugins.support import build_context, build_session

extract = apps.anonscore_extract_features
evaluate = apps.anonscore_evaluate_rule
CTX = build_context()


def installed(counts: dict[str, int] | None):
    return build_session({"apps": {"category_counts": counts}}, channel="android")


def test_no_hit_on_real_devices(real_profile) -> None:
    assert evaluate(real_profile, CTX) is None


def test_features() -> None:
    session = installed({"credit": 2, "Proxy": 1, "vpn": 1, "games": 6})
    assert extract(session) == {"apps_credit_count": 2, "apps_proxy_count": 2, "apps_total": 10}
    assert extract(installed({})) == {
        "apps_credit_count": 0,
        "apps_proxy_count": 0,
        "apps_total": 0,
    }
    assert extract(build_session({})) == dict.fromkeys(apps.FEATURES)
    assert evaluate(build_session({}), CTX) is None


@pytest.mark.parametrize("category", ["proxy", "vpn", "VPN", " Proxy "])
def test_proxy_or_vpn_app(category: str) -> None:
    (hit,) = evaluate(installed({category: 1, "social": 3}), CTX)
    assert (hit.code, hit.flag) == ("PROXY_APP_INSTALLED", "proxy_app_installed")


def test_zero_counts_are_not_installed() -> None:
    assert evaluate(installed({"vpn": 0, "proxy": 0, "credit": 0}), CTX) is None


@pytest.mark.parametrize(
    ("credit", "strength"), [(4, None), (5, 0.5), (8, 0.8), (10, 1.0), (40, 1.0)]
)
def test_many_credit_apps(credit: int, strength: float | None) -> None:
    hits = evaluate(installed({"credit": credit}), CTX)
    if strength is None:
        assert hits is None
    else:
        (hit,) = hits
        assert (hit.code, hit.flag) == ("CREDIT_APPS_MANY", "credit_app_stacking")
        assert hit.strength == pytest.approx(strength)


def test_credit_apps_setting() -> None:
    assert evaluate(installed({"credit": 3}), build_context({"credit_apps_max": 3})) is not None
    assert evaluate(installed({"credit": 3}), build_context({"credit_apps_max": "3"})) is None
