"""schemathesis against the OpenAPI, as every role: no request gets a server error.

A few examples per operation here (CI, on both engines); ``bench/fuzz.py`` (``make
fuzz``) runs the same with many more. Failures of the other default checks (mostly
status codes the OpenAPI does not document: 303, 403, 404) are counted by the bench,
not asserted here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from balise.core import clock
from tests.factories import Cast, make_visit
from tests.field.helpers import record, send
from tests.web.conftest import csrf_of
from tests.web.fuzzing import SERVER_ERROR, credentials, fuzz_role, real_ids
from tests.web.matrix import ROLES

Browser = Callable[[str | None], TestClient]
EXAMPLES = 1  # per operation: about 70 requests per role


def test_no_role_gets_a_server_error(app: FastAPI, cast: Cast, session: Session,
                                     caplog: pytest.LogCaptureFixture) -> None:
    ids = real_ids(session, cast)
    session.close()  # SQLite: the fuzzed requests must not wait for this session's lock
    caplog.set_level(logging.CRITICAL, logger="balise.web")
    errors: list[str] = []
    sent = 0
    for username in ROLES:
        report = fuzz_role(app, username, ids, EXAMPLES, seed=20261123)
        errors += report.server_errors
        assert not report.failures[(username, SERVER_ERROR)] or report.server_errors
        sent += report.requests[username]
    assert sent > 50 * len(ROLES)  # every role really sent requests
    assert errors == [], "\n".join(errors[:20])


def test_the_fuzzer_reaches_handlers_past_the_csrf_check(app: FastAPI, cast: Cast,
                                                          session: Session) -> None:
    """Control: with the session's token, an unsafe route runs its own code (here a
    team lead's waiting-list form answers 400 or redirects, never the CSRF 403)."""
    ids = real_ids(session, cast)
    session.close()
    cookies, token = credentials(app, "lead")
    client = TestClient(app, base_url="https://testserver", cookies=cookies)
    answer = client.post(f"/teams/{ids['team_id']}/waiting-list", data={},
                         headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert answer.status_code in (303, 400, 422)
    refused = client.post(f"/teams/{ids['team_id']}/waiting-list", data={},
                          follow_redirects=False)
    assert refused.status_code == 403


def test_what_the_fuzzer_found_now_answers_clearly(cast: Cast, session: Session,
                                                   browser: Browser) -> None:
    """Each server error the fuzzer found, pinned: a clear refusal on both engines."""
    visit = make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], clock.today())
    visit_id, day = visit.id, visit.day
    session.commit()
    lead = browser("lead")
    # An id larger than any id: "not found", not "integer out of range".
    for url in ("/teams/99999999999999999999/plan", "/visits/2147483648",
                "/surveys/-99999999999999999999/results"):
        assert lead.get(url).status_code == 404, url
    # A NUL character cannot be stored by PostgreSQL: refused, naming the field.
    alice = browser("alice")
    token = csrf_of(alice.get(f"/visits/{visit_id}").text)
    refused = alice.post(f"/visits/{visit_id}/realization",
                         data={"csrf_token": token, "note": "chien\x00nerveux"})
    assert refused.status_code == 400
    assert "note" in unescape(refused.text) and "NUL" in refused.text
    assert lead.get("/acts?q=a%00b").status_code == 400
    # Checkbox ids that are digits to str.isdigit but no id: ignored, not a 500.
    token = csrf_of(alice.get(f"/visits/{visit_id}").text)
    odd = alice.post(f"/visits/{visit_id}/realization", follow_redirects=False, data={
        "csrf_token": token, "acts_shown": "1", "acts": ["³", str(2**63)], "start": "09:00",
        "end": "09:30"})
    assert odd.status_code == 303
    # The same through the sync API: the record is refused alone, nothing stored.
    answer = send(alice, [record(visit_id, day, note="a\x00b"),
                          record(2**40, day)])
    assert [ack["status"] for ack in answer.json()["acks"]] == ["refused", "refused"]
    # A unit written "%" no longer breaks the indicator catalogue's form.
    assert browser("union").get("/indicators").status_code == 200
