"""The end user's opt-out from the page (`POST /v1/optout`): stop collecting, delete what
the session collected, and nothing a lender holds as evidence.

The caller proves only that it holds the page's session token, which the applicant does:
so the opt-out must not be a way to erase one's own fraud history. It deletes:

- a session never scored: the whole session record (what the page collected), and until
  the token expires a tombstone, so the page cannot collect under it again;
- a session the lender has scored: the collected attributes and request headers in it;
  the lender's record of the score stays (the answer it got, the kernel's evidence, its
  label, the link to the device), so its re-score and its feedback keep working.

It never deletes a lender's fraud reports, a scored session, the device's profile or any
other cross-client evidence (velocity counters, network reputation): fraud prevention is a
legitimate interest (GDPR Art. 6(1)(f), recital 47), and the exceptions of Art. 17(3) and
the compelling grounds of Art. 21(1) apply (docs/privacy-legal-basis.md). A person's full
erasure goes through the lender's authenticated `/v1/erasure`, after the lender has
checked who asks. Idempotent: a second opt-out finds nothing left and answers 0.
"""

from __future__ import annotations

import msgspec

from engine.schema import SessionRecord
from engine.store import WriteSet
from engine.store.keys import State

# what a collect put in a session (engine/sessions/collect.py), beside the lender's record
_COLLECTED = {
    "attributes": None,
    "proxy_headers": None,
    "do_not_track_header": None,
    "header_languages": None,
    "http_user_agent": None,
    "http_ch_ua": None,
    "http_ch_ua_mobile": None,
    "http_ch_ua_platform": None,
    "http_withheld": None,
    "wifi_devices_h24": None,
}


def optout_op(
    st: State, tenant: str, sh: str, expires_at: float, now: float
) -> tuple[int, WriteSet]:
    """The opt-out of one session of `tenant`: how many sessions it changed, and the
    writes (one atomic WriteSet)."""
    record = st.session(sh)
    w = WriteSet()
    if record is None or record.tenant != tenant:
        # nothing collected yet (another tenant's session is never touched): the token
        # cannot start collecting later
        if now <= expires_at and not st.erased(sh) and record is None:
            State.put_tombstone(w, sh, expires_at)
        return 0, w
    if record.scored is None:
        State.delete_session(w, sh, record)  # never scored: no label, no device link yet
        if now <= expires_at:
            State.put_tombstone(w, sh, expires_at)
        return 1, w
    if record.opted_out:
        return 0, w
    State.put_session(w, sh, record, stripped(record))
    return 1, w


def stripped(record: SessionRecord) -> SessionRecord:
    """A scored session without what the page collected: the lender's record only."""
    return msgspec.structs.replace(record, **_COLLECTED, opted_out=True)
