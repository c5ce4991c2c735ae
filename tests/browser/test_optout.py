"""The visitor's opt-out in Chromium: `anonscore.optOut()` (issue 9.2).

With tenant demo2 (persistent_session on) the collector keeps one value in IndexedDB. After
the opt-out that database is gone and not recreated on the page, the service has deleted
what the session collected (the lender's record of a session it scored stays: scoring it
again answers as before), a second opt-out erases nothing, and no `/v1/collect`
leaves the page any more, whatever the visitor does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest
from playwright.sync_api import BrowserContext, Route

from .test_collector import API_KEYS, open_demo, score

if TYPE_CHECKING:
    from tests.process import Server

pytestmark = pytest.mark.browser

# The collector's store (engine/static/collector.js: IDB_NAME, object store `kv`, key `ps`),
# read without creating it: open() on a missing database would make an empty one.
READ_PERSISTENT = """
async () => {
  const names = (await indexedDB.databases()).map(d => d.name);
  if (!names.includes('anonscore')) return {names, value: null};
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('anonscore');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  try {
    const value = await new Promise((resolve, reject) => {
      const get = db.transaction('kv').objectStore('kv').get('ps');
      get.onsuccess = () => resolve(get.result === undefined ? null : get.result);
      get.onerror = () => reject(get.error);
    });
    return {names, value};
  } finally {
    db.close();
  }
}
"""


def score_status(server: Server, site_key: str, session_id: str) -> int:
    response = httpx.post(
        f"{server.base_url}/v1/score",
        headers={"Authorization": f"Bearer {API_KEYS[site_key]}"},
        json={"session_id": session_id},
        timeout=10,
    )
    return response.status_code


def test_opt_out_clears_indexeddb_erases_the_session_and_stops_collecting(
    context: BrowserContext, server: Server
) -> None:
    visit = open_demo(context, server, "demo2_site")
    page = visit.page
    session_id = page.evaluate("window.anonscore.sessionId()")

    # collected (the persistent value from IndexedDB in the payload) and scored
    with page.expect_response(lambda r: r.url.endswith("/v1/collect")) as info:
        answer = page.evaluate("window.anonscore.flush()")
    assert info.value.status == 202, answer
    sent = info.value.request.post_data_json["attributes"]["software"]["persistent_session"]
    stored = page.evaluate(READ_PERSISTENT)
    assert stored["value"] == sent
    assert score(server, "demo2_site", session_id)["session_id"] == session_id

    # the opt-out
    opted_at = len(visit.requests)
    result = page.evaluate("window.anonscore.optOut()")
    assert set(result) == {"erased"}
    assert result["erased"] >= 1
    optouts = [body for url, body in visit.requests[opted_at:] if url.endswith("/v1/optout")]
    assert len(optouts) == 1
    assert "demo2_site" in (optouts[0] or "")
    assert page.evaluate(READ_PERSISTENT) == {"names": [], "value": None}
    assert page.evaluate("window.anonscore.sessionId()") is None
    # the lender scored it: its record stays (issue 15), the collected attributes go
    assert score_status(server, "demo2_site", session_id) == 200

    # idempotent: a second opt-out finds nothing left
    assert page.evaluate("window.anonscore.optOut()") == {"erased": 0}

    # the collector stays silent on this page: a flush, typing, a submitted form
    assert page.evaluate("window.anonscore.flush()") is None
    page.fill("#full_name", "Opted Out")
    page.fill("#email", "opted.out@example.org")
    page.click("#comment")
    page.keyboard.type("abc")
    page.click("#submit")
    page.wait_for_selector("#result:not([hidden])")
    assert page.get_attribute("#result", "data-session-id") == ""  # nothing to score
    assert page.input_value("input[name=anonscore_session_id]") == ""
    after = [url for url, _ in visit.requests[opted_at:]]
    assert not [url for url in after if url.endswith("/v1/collect")], after
    assert page.evaluate(READ_PERSISTENT) == {"names": [], "value": None}  # not recreated
    assert visit.problems == []


def test_an_opt_out_before_the_session_arrives(context: BrowserContext, server: Server) -> None:
    """The visitor opts out while the session request is still on its way: the persistent
    session is never written, and the session is erased as soon as it exists."""
    page = context.new_page()
    held: list[Route] = []
    page.route("**/v1/sessions", lambda route: held.append(route))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{server.base_url}/demo?site_key=demo2_site")
    assert len(held) == 1
    page.evaluate("window.optedOut = window.anonscore.optOut(); 0")
    held[0].continue_()
    assert page.evaluate("window.optedOut") == {"erased": 0}  # nothing collected yet
    session_id = page.evaluate("window.anonscore.ready")
    assert isinstance(session_id, str)
    assert page.evaluate("window.anonscore.sessionId()") is None
    assert page.evaluate("window.anonscore.flush()") is None
    assert page.evaluate(READ_PERSISTENT) == {"names": [], "value": None}
    assert not [url for url in requests if url.endswith("/v1/collect")]
    assert score_status(server, "demo2_site", session_id) == 404


def test_the_demo_pages_opt_out_control(context: BrowserContext, server: Server) -> None:
    visit = open_demo(context, server)
    page = visit.page
    session_id = page.evaluate("window.anonscore.sessionId()")
    assert page.evaluate("window.anonscore.flush()")["accepted"] > 0
    page.get_by_role("button", name="Do not analyse my device").click()
    shown = page.wait_for_selector("#optout-result[data-erased]")
    assert shown is not None
    assert shown.get_attribute("data-erased") == "1"  # the unscored session itself
    assert "erased 1 session." in shown.inner_text()
    assert score_status(server, "demo_site", session_id) == 404
    assert visit.problems == []
