"""Privacy protections a browser ships, told apart from a costume (not a plugin).

Firefox's `privacy.resistFingerprinting` (and the Tor and Mullvad browsers built on it)
answers every site with one uniform profile: the WebGL vendor and renderer both "Mozilla",
the time zone UTC (Atlantic/Reykjavik in current releases), a rounded screen. Its answers
are the engine's own (native functions, the same in workers), so what it says about the
screen, the fonts or the GPU is a policy, not a lie. Measured with Debian's firefox-esr
under Xvfb (tests/browser/test_privacy_browsers.py).

Brave's farbling and Chromium's CanvasNoise add noise inside the engine to canvas and audio
readback; nothing in the collector's lie probes reads those values, so they need no excuse.
Privacy extensions that patch readback functions in page JavaScript (CanvasBlocker,
JShelter) show as `coherence.native_readback`: a protection, not a costume.
"""

from __future__ import annotations

from engine.features import CollectedSession

_RFP_ZONES = frozenset({"UTC", "Etc/UTC", "Atlantic/Reykjavik"})


def resists_fingerprinting(session: CollectedSession) -> bool:
    """Firefox's uniform resistFingerprinting profile."""
    software, device = session.attributes.software, session.attributes.device
    ua = software.user_agent or ""
    if "Firefox/" not in ua or "Gecko/" not in ua:
        return False
    if device.webgl_vendor == "Mozilla" and device.webgl_renderer == "Mozilla":
        return True
    return software.timezone in _RFP_ZONES and software.timezone_offset_min == 0


def privacy_protections(session: CollectedSession) -> list[str]:
    """Names of the privacy protections the session shows."""
    found = []
    if resists_fingerprinting(session):
        found.append("resist_fingerprinting")
    if session.attributes.coherence.native_readback:
        found.append("readback_patched")
    return found
