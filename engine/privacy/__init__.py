"""The privacy firewall: direct-identifier detection, payload scanning and sanitizing, and
the client IP reduced to what rules need. Re-exports only."""

from engine.privacy._phones import warm_up as warm_up_phones
from engine.privacy.detectors import (
    CARD,
    DOCUMENT,
    EMAIL,
    IBAN,
    PHONE,
    field_hint,
    find_identifier,
)
from engine.privacy.firewall import (
    MAX_DEPTH,
    PSEUDONYMISED,
    coarsen_location,
    pseudonymise,
    sanitize,
    scan_payload,
)
from engine.privacy.network import IpFacts, IpReducer, reduce_ip

__all__ = [
    "CARD",
    "DOCUMENT",
    "EMAIL",
    "IBAN",
    "MAX_DEPTH",
    "PHONE",
    "PSEUDONYMISED",
    "IpFacts",
    "IpReducer",
    "coarsen_location",
    "field_hint",
    "find_identifier",
    "pseudonymise",
    "reduce_ip",
    "sanitize",
    "scan_payload",
    "warm_up_phones",
]
