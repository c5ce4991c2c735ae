"""The domain operations: sessions, collect, score, feedback, erasure, retention.

Every operation that changes state is a synchronous function of a store view that returns
its answer and one WriteSet (engine/sessions/collect.py, engine/scoring/pipeline.py,
engine/lifecycle/records.py and the `_..._op` methods here): no `await` between its reads
and its write. `transact` (engine/store/_tx.py) runs it on the store: at once on RocksDB,
where it is atomic under Trio; in a few read rounds on a Redis Cluster. Within a process,
operations on one session take turns (`KeyLocks`); a cancelled request never leaves half a
record behind.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import msgspec

from engine.config import MIN_RETENTION_DAYS, Tenant
from engine.errors import Conflict, Forbidden, Gone, NotFound, PersonalData, ValidationFailed
from engine.lifecycle.optout import optout_op
from engine.lifecycle.records import Lifecycle
from engine.metrics import StageClock
from engine.privacy import IpFacts, IpReducer, sanitize, scan_payload, warm_up_phones
from engine.privacy.secrets import Keys
from engine.reputation.reports import file_feedback
from engine.reputation.weights import check_window
from engine.schema import (
    CollectRequest,
    CollectResponse,
    ErasureResponse,
    FeedbackResponse,
    OptOutRequest,
    OptOutResponse,
    ScoreResponse,
    SessionRecord,
    SessionResponse,
)
from engine.scoring.model import Runtime
from engine.scoring.pipeline import score_session, warm_up_plugins
from engine.scoring.plugin_host import PluginHost
from engine.sessions import collect as collecting
from engine.sessions.facts import ClientFacts, SessionRef, rfc3339
from engine.sessions.refusal import refused_answer
from engine.sessions.tokens import new_token, open_token, session_hash, tenant_tag
from engine.sessions.turns import KeyLocks
from engine.store import AsyncKeyValueStore, KeyValueStore, WriteSet, direct_view, transact
from engine.store.keys import State, session_key, tombstone_key
from engine.store.regions import Regions
from engine.validation import convert, known_path
from engine.webhooks.outbox import (
    ERASURE_COMPLETED,
    SCORE_CREATED,
    enqueue,
    feedback_audience,
    reported_elsewhere,
)

log = logging.getLogger("anonscore.service")


class Service:
    def __init__(
        self,
        regions: Regions,
        keys: Keys,
        host: PluginHost,
        runtime: Runtime,
        ip_reducer: IpReducer,
    ) -> None:
        self.regions = regions
        self.keys = keys
        self.host = host
        self.runtime = runtime
        self.ip = ip_reducer
        self.clock = time.time  # replaceable in tests
        self.lifecycles = {r: Lifecycle(s, keys) for r, s in regions.stores.items()}
        self.locks = KeyLocks()
        # on RocksDB an operation is atomic by itself: no lock needed, none paid for
        self._local = all(direct_view(s) is not None for s in regions.stores.values())
        # (live score, shadow score) of each first score, when a shadow model is loaded
        self.on_shadow: Callable[[float, float], None] | None = None
        self.stages = StageClock()  # CPU per stage of the request path (engine/metrics.py)

    @property
    def stores(self) -> dict[str, AsyncKeyValueStore]:
        return self.regions.stores

    @asynccontextmanager
    async def _session_turn(self, sh: str) -> AsyncIterator[None]:
        if self._local:
            yield
        else:
            async with self.locks.hold(sh):
                yield

    async def _where(self, tenant: Tenant | None, sh: str) -> str | None:
        """The region whose store holds this session (or its tombstone), if any."""
        return (await self._locate(tenant, sh))[0]

    async def _locate(
        self, tenant: Tenant | None, sh: str
    ) -> tuple[str | None, dict[bytes, bytes | None]]:
        """The session's region and what was read there (for the operation to reuse)."""
        order = self.regions.search_order(tenant) if tenant is not None else list(self.stores)
        keys = [session_key(sh), tombstone_key(sh)]
        region, values = await self.regions.first_holding(order, keys)
        return region, dict(zip(keys, values, strict=True))

    async def _store_of(
        self, tenant: Tenant, sh: str
    ) -> tuple[AsyncKeyValueStore, dict[bytes, bytes | None]]:
        """The store of an existing session (else the tenant's region's), and what was read."""
        region, seen = await self._locate(tenant, sh)
        if region is None:
            return self.stores[tenant.region], seen
        return self.stores[region], seen

    # -- tenants ---------------------------------------------------------------------------

    def tenant_for_site(self, site_key: str, origin: str | None) -> Tenant:
        tenant = self.runtime.config.by_site_key.get(site_key)
        if tenant is None:
            raise Forbidden(
                "unknown site key; use the site key of your tenant config", field="site_key"
            )
        if origin is not None and origin not in tenant.allowed_origins:
            raise Forbidden(
                "this page's origin is not allowed for the site key; add it to "
                "the tenant's allowed_origins"
            )
        return tenant

    # -- sessions --------------------------------------------------------------------------

    def create_session(self, tenant: Tenant, now: float) -> SessionResponse:
        """A new signed token. Nothing is stored: the first collect makes the record."""
        token = new_token(self.keys.token, now, tenant.id)
        expires = now + self.runtime.config.service.session_ttl_s
        return SessionResponse(
            session_id=token, expires_at=rfc3339(expires), collect=tenant.collect_flags()
        )

    def session_ref(self, tenant: Tenant, session_id: str) -> SessionRef:
        """The stored session behind a token of this tenant (the record may not exist yet).
        A forged token, or another tenant's, is unknown: 404."""
        info = open_token(self.keys.token, session_id)
        if info is None or not hmac.compare_digest(
            info.tenant_tag, tenant_tag(self.keys.token, tenant.id)
        ):
            raise NotFound("unknown session; create one with POST /v1/sessions", field="session_id")
        sh = session_hash(self.keys.hashing, session_id)
        expires = info.issued_at + self.runtime.config.service.session_ttl_s
        return SessionRef(sh=sh, issued_at=info.issued_at, expires_at=expires)

    async def session_record(self, session_id: str) -> SessionRecord | None:
        """The stored record of a token, whoever its tenant, in any region (tests, tools)."""
        sh = session_hash(self.keys.hashing, session_id)
        region = await self._where(None, sh)
        if region is None:
            return None
        return await transact(
            self.stores[region], lambda view: (State(view).session(sh), WriteSet())
        )

    @staticmethod
    def _own_session(st: State, tenant: Tenant, ref: SessionRef, now: float) -> SessionRecord:
        """The collected session, for score and feedback."""
        record = st.session(ref.sh)
        if record is not None and record.tenant == tenant.id:
            return record
        if now <= ref.expires_at and not st.erased(ref.sh):
            raise Conflict(
                "no attributes were collected for this session yet; the page "
                "must post /v1/collect (collector flush) before scoring",
                field="session_id",
            )
        raise NotFound(
            "unknown session; it was never collected, was erased or has expired",
            field="session_id",
        )

    # -- collect ---------------------------------------------------------------------------

    def _phone_regions(self, raw: dict[str, Any]) -> tuple[str, ...]:
        """The phone regions the tenant named by the body's site key declares (before the
        body is validated: the scan comes first; more regions only make it stricter)."""
        site_key = raw.get("site_key")
        tenant = (
            self.runtime.config.by_site_key.get(site_key) if isinstance(site_key, str) else None
        )
        return tenant.phone_regions if tenant is not None else ()

    async def _scan(self, raw: dict[str, Any], client: ClientFacts, now: float) -> IpFacts:
        """The privacy firewall on every string of the raw body, before anything else (the
        client IP's country is the region hint for national-format phone numbers); a refused
        body deletes what the session collected before. The IP's facts, for the collect."""
        stage = self.stages
        with stage("ip lookup"):
            facts: IpFacts = self.ip.reduce(client.ip) if client.ip else IpFacts()
        try:
            with stage("privacy scan"):
                scan_payload(raw, "", region=facts.country, also=self._phone_regions(raw))
        except PersonalData as exc:
            await self._refused(raw, client, now)
            # the answer names the field only as far as the schema knows it: a key the
            # caller made up (in attributes.custom, or unknown) is never repeated
            exc.field = known_path(CollectRequest, exc.field or "") or None
            raise
        except ValidationFailed as exc:  # nesting too deep
            exc.field = known_path(CollectRequest, exc.field or "") or None
            raise
        return facts

    async def collect(
        self, raw: dict[str, Any], client: ClientFacts, now: float
    ) -> CollectResponse:
        stage = self.stages
        facts = await self._scan(raw, client, now)
        with stage("validate"):
            req = convert(raw, CollectRequest)
        tenant = self.tenant_for_site(req.site_key, client.origin)
        ref = self.session_ref(tenant, req.session_id)
        if now > ref.expires_at:
            raise Gone(
                "session expired; create a new one with POST /v1/sessions", field="session_id"
            )
        # 2. make the payload safe: drop what the tenant did not enable, hash, round
        with stage("sanitize"):
            optional = tenant.optional_for(req.attributes.software.sdk_version)
            attrs, dropped = sanitize(req.attributes, optional, self.keys.hashing)
            headers, withheld = collecting.header_evidence(
                client.user_agent,
                client.ch_ua,
                client.ch_ua_platform,
                req.attributes.software.user_agent,
            )
        c = collecting.Collected(
            tenant=tenant,
            sh=ref.sh,
            issued_at=ref.issued_at,
            expires_at=ref.expires_at,
            channel=req.channel,
            attributes=attrs,
            dropped=dropped,
            facts=facts,
            ip=client.ip,
            proxy_headers=client.proxy_headers,
            languages=client.languages,
            dnt=client.dnt,
            headers=headers,
            withheld=withheld,
            ch_ua_mobile=client.ch_ua_mobile,
            header_order=client.header_order,
        )
        cfg = self.runtime.config.service
        async with self._session_turn(ref.sh):
            region, seen = await self._locate(tenant, ref.sh)
            if region is None:  # a new session: where its client is, or the tenant's region
                region = self.regions.for_collect(tenant, facts.country)

            def op(view: KeyValueStore) -> tuple[CollectResponse, WriteSet]:
                with stage("collect op"):  # every read round on a remote store
                    return collecting.collect_op(State(view), self.keys.hashing, cfg, c, now)

            return await transact(self.stores[region], op, seen)

    async def _refused(self, raw: dict[str, Any], client: ClientFacts, now: float) -> None:
        """Delete what a session collected before a refused payload (collecting.refuse_op);
        nothing when the request does not name a live session of the tenant."""
        sid, site = raw.get("session_id"), raw.get("site_key")
        if not isinstance(sid, str) or not isinstance(site, str):
            return
        try:
            tenant = self.tenant_for_site(site, client.origin)
            ref = self.session_ref(tenant, sid)
        except (Forbidden, NotFound):
            return
        cfg = self.runtime.config.service
        country = self.ip.reduce(client.ip).country if client.ip else None
        async with self._session_turn(ref.sh):
            region = await self._where(tenant, ref.sh) or self.regions.for_collect(tenant, country)
            await transact(
                self.stores[region],
                lambda view: collecting.refuse_op(
                    State(view), tenant, ref.sh, ref.issued_at, ref.expires_at, cfg, now
                ),
            )

    # -- score -----------------------------------------------------------------------------

    async def score(self, tenant: Tenant, session_id: str, now: float) -> ScoreResponse:
        ref = self.session_ref(tenant, session_id)
        async with self._session_turn(ref.sh):
            store, seen = await self._store_of(tenant, ref.sh)
            response, shadow = await transact(
                store, lambda view: self._score_op(State(view), tenant, ref, now, session_id), seen
            )
        if shadow is not None and self.on_shadow is not None:
            self.on_shadow(response.score, shadow)
        return msgspec.structs.replace(response, session_id=session_id)

    def _score_op(
        self, st: State, tenant: Tenant, ref: SessionRef, now: float, session_id: str = ""
    ) -> tuple[tuple[ScoreResponse, float | None], WriteSet]:
        record = self._own_session(st, tenant, ref, now)
        if record.scored is not None:
            # idempotent: a scored session is sealed, the answer stays what the lender saw
            return (record.scored.response, None), WriteSet()
        if record.refused:
            return refused_answer(self.runtime, tenant, ref.sh, record, now)
        if record.attributes is None or record.collected_at is None or record.channel is None:
            raise Conflict(
                "no attributes were collected for this session yet; the page "
                "must post /v1/collect (collector flush) before scoring",
                field="session_id",
            )
        response, w, shadow = score_session(
            st, self.keys, self.host, self.runtime, tenant, ref.sh, record, now, self.stages
        )
        if tenant.wants(SCORE_CREATED):  # the first score only: a repeat writes nothing
            answer = msgspec.structs.replace(response, session_id=session_id)
            enqueue(w, tenant.id, SCORE_CREATED, msgspec.to_builtins(answer), now)
        return (response, shadow), w

    def warm_up(self) -> None:
        """Run every plugin and the kernel once on a sample session; nothing is stored. Load
        every region's phone metadata (the firewall's any-region check in phone fields)."""
        warm_up_plugins(self.host, self.runtime, self.clock())
        warm_up_phones()

    # -- feedback --------------------------------------------------------------------------

    async def feedback(self, tenant: Tenant, session_id: str, label: str) -> FeedbackResponse:
        """A label on a session the tenant scored, within the feedback window and its
        report bound; it becomes shared evidence as engine/reputation/reports.py describes."""
        ref = self.session_ref(tenant, session_id)
        now = self.clock()
        config = self.runtime.config

        def op(view: KeyValueStore) -> tuple[None, WriteSet]:
            st = State(view)
            record = self._own_session(st, tenant, ref, now)
            if record.scored is None or record.device_key is None:
                raise Conflict(
                    "feedback is accepted for scored sessions only; call /v1/score first",
                    field="session_id",
                )
            scored_at = record.scored.scored_at or record.collected_at or record.created_at
            check_window(config.service, scored_at, now)
            w = WriteSet()
            if record.label == label:
                return None, w
            new = file_feedback(st, w, config, ref.sh, record, label, now)
            reported_elsewhere(st, w, config, new, record.label, audience, now)
            return None, w

        async with self._session_turn(ref.sh):
            store, seen = await self._store_of(tenant, ref.sh)
            audience = await feedback_audience(store, config, seen.get(session_key(ref.sh)))
            await transact(store, op, seen)
        return FeedbackResponse(session_id=session_id, label=label)

    # -- erasure ---------------------------------------------------------------------------

    async def erase_session(self, tenant: Tenant, session_id: str) -> ErasureResponse:
        """Delete the session (its feedback leaves the shared records with it); until its
        token expires a tombstone keeps a later collect from bringing it back. Idempotent;
        another tenant's session is never touched."""
        try:
            ref = self.session_ref(tenant, session_id)
        except NotFound:
            return ErasureResponse(deleted=0)
        async with self._session_turn(ref.sh):
            region, seen = await self._locate(tenant, ref.sh)
            life = self.lifecycles[region or tenant.region]
            deleted = await life.erase_session(
                tenant.id, ref.sh, ref.expires_at, self.clock(), seen
            )
        await self._erased(tenant, {"session_id": session_id}, deleted)
        return ErasureResponse(deleted=deleted)

    async def erase_device(self, tenant: Tenant, device_id: str) -> ErasureResponse:
        """The tenant's sessions of the device and its part of the device (reports, last
        visit, ID mapping); another tenant's evidence stays. Idempotent."""
        deleted = 0
        for region in self.regions.search_order(tenant):  # a device is linked per region
            dkey = await transact(
                self.stores[region],
                lambda view: (State(view).mapped_device(tenant.id, device_id), WriteSet()),
            )
            if dkey is None:
                continue
            deleted += await self.lifecycles[region].erase_device(tenant.id, dkey, self.clock())
        await self._erased(tenant, {"device_id": device_id}, deleted)
        return ErasureResponse(deleted=deleted)

    async def _erased(self, tenant: Tenant, asked: dict[str, str], deleted: int) -> None:
        """`erasure.completed` for the tenant, once the erasure is done (engine/webhooks)."""
        if tenant.wants(ERASURE_COMPLETED):
            w = WriteSet()
            enqueue(w, tenant.id, ERASURE_COMPLETED, {**asked, "deleted": deleted}, self.clock())
            await self.stores[tenant.region].apply(w)

    async def optout(self, raw: dict[str, Any], client: ClientFacts) -> OptOutResponse:
        """The end user's opt-out from the page (engine/lifecycle/optout.py): collection stops and
        what the session collected goes; no lender's evidence does."""
        req = convert(raw, OptOutRequest)
        tenant = self.tenant_for_site(req.site_key, client.origin)
        ref = self.session_ref(tenant, req.session_id)
        now = self.clock()
        async with self._session_turn(ref.sh):
            region, seen = await self._locate(tenant, ref.sh)
            store = self.stores[region or tenant.region]
            erased = await transact(
                store,
                lambda view: optout_op(State(view), tenant.id, ref.sh, ref.expires_at, now),
                seen,
            )
        return OptOutResponse(erased=erased)

    # -- retention -------------------------------------------------------------------------

    async def resume_erasures(self, now: float | None = None) -> int:
        """Erasures a crash or a failed store interrupted, finished (lifecycle/records.py)."""
        now = self.clock() if now is None else now
        return sum([await life.resume_erasures(now) for life in self.lifecycles.values()])

    async def sweep(self, now: float | None = None, batch: int = 500) -> int:
        """Sessions past their purge time, and expired tombstones, in every region."""
        now = self.clock() if now is None else now
        return sum([await life.sweep_sessions(now, batch) for life in self.lifecycles.values()])

    async def sweep_velocity(self, now: float | None = None, batch: int = 2000) -> int:
        """Velocity records with no event inside the window, in every region."""
        now = self.clock() if now is None else now
        return sum([await life.sweep_velocity(now, batch) for life in self.lifecycles.values()])

    async def sweep_records(self, now: float | None = None) -> int:
        """Derived records past their tenants' retention (engine/lifecycle/records.py)."""
        now = self.clock() if now is None else now
        tenants = self.runtime.config.tenants

        def retention_days(tenant: str) -> int:
            if not tenant:  # the longest any tenant has
                return max((t.retention_days for t in tenants.values()), default=730)
            known = tenants.get(tenant)
            return known.retention_days if known is not None else MIN_RETENTION_DAYS

        return sum(
            [await life.sweep_records(now, retention_days) for life in self.lifecycles.values()]
        )


def check_erasure_request(session_id: str | None, device_id: str | None) -> None:
    if (session_id is None) == (device_id is None):
        raise ValidationFailed("give exactly one of session_id or device_id")
