"""Mobile integrity: what the SDK reports about the device and the app it runs in.

Each field is a boolean the SDK computes on the device (engine/schema.py documents the
platform API behind each): root (su, Magisk, test-keys, Play Integrity), jailbreak paths,
a hooking framework in the process (Frida, Xposed, Substrate), an attached debugger, an
app signature that is not the publisher's (a repackaged app), and the SDK's own simulator
or emulator checks. False or absent never counts; these checks can be hidden by a careful
attacker, so their absence proves nothing, and their presence is hard to explain.

- `ROOTED`, `JAILBROKEN` (rooted_device): common among enthusiasts, so moderate alone.
- `HOOKING_FRAMEWORK`, `APP_SIGNATURE_MISMATCH`, `DEBUGGER_ATTACHED` (app_tampering).
- `SDK_SIMULATOR` (emulator): an emulator or simulator by the SDK's own checks.
"""

from __future__ import annotations

from engine.features import CollectedSession, Features, RuleHit
from engine.hookspecs import hookimpl

FLAGS: tuple[str, ...] = ("rooted_device", "app_tampering", "emulator")
CODES: tuple[str, ...] = (
    "ROOTED",
    "JAILBROKEN",
    "HOOKING_FRAMEWORK",
    "DEBUGGER_ATTACHED",
    "APP_SIGNATURE_MISMATCH",
    "SDK_SIMULATOR",
)
FEATURES: dict[str, str] = {
    "integrity_failures": "number of failed mobile integrity checks the SDK reported (root, "
    "jailbreak, hooking, debugger, signature, simulator; None when it reported none)",
}

# (group, field, code, flag, detail)
_CHECKS = (
    ("device", "rooted", "ROOTED", "rooted_device", "rooted (su, magisk or test-keys)"),
    ("device", "jailbroken", "JAILBROKEN", "rooted_device", "jailbroken"),
    ("software", "hooking_framework", "HOOKING_FRAMEWORK", "app_tampering", "hooking framework"),
    ("software", "debugger_attached", "DEBUGGER_ATTACHED", "app_tampering", "debugger attached"),
    ("software", "app_signature_mismatch", "APP_SIGNATURE_MISMATCH", "app_tampering", "resigned"),
    ("device", "simulator", "SDK_SIMULATOR", "emulator", "simulator or emulator"),
)


def _values(session: CollectedSession) -> list[bool | None]:
    attrs = session.attributes
    return [getattr(getattr(attrs, group), name) for group, name, *_ in _CHECKS]


@hookimpl
def anonscore_extract_features(session: CollectedSession) -> Features:
    values = _values(session)
    reported = [v for v in values if v is not None]
    return {"integrity_failures": sum(1 for v in reported if v) if reported else None}


@hookimpl
def anonscore_evaluate_rule(session: CollectedSession) -> list[RuleHit] | None:
    hits = [
        RuleHit(code=code, flag=flag, detail=detail)
        for (_, _, code, flag, detail), value in zip(_CHECKS, _values(session), strict=True)
        if value is True
    ]
    return hits or None


@hookimpl
def anonscore_describe_features() -> dict[str, str]:
    return dict(FEATURES)
