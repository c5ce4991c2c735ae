"""The flags every score response carries: the v1 contract's, in its order, then ours.

The engine defaults each to False; a plugin's `RuleHit.flag` turns one on. What each
means, and which reason codes set it: docs/reason-codes.md. Every name here
is set by at least one built-in plugin (tests/plugins/test_registry.py checks it).
"""

from __future__ import annotations

FLAG_NAMES: tuple[str, ...] = (
    "proxy",
    "vpn",
    "tor",
    "datacenter_ip",
    "emulator",
    "virtual_machine",
    "automation",
    "timezone_mismatch",
    "language_mismatch",
    "ua_mismatch",
    "paste_in_form",
    "typing_anomaly",
    "credit_app_stacking",
    "proxy_app_installed",
    "known_fraud_device",
    "tampering",
    # beyond the contract's list (docs/api.md: new flags may be added), appended
    "location_mismatch",
    "device_farm",
    "rooted_device",
    "app_tampering",
)
