"""A canary: unmistakable time figures planted for one worker appear only for her.

Alice gets two realized visits of 173 and 4,567 minutes with a note "CANARY-7Q3"; a
worker of the 4-person team T4 gets one of 2,917 minutes ("CANARY-T4"), whose figures
may only ever reach an aggregate over 5 people or more, so never any page. Every GET
route of the route × role tables is read by every role (bob, a colleague of alice, as
well), with real ids, and every export in every format: CSV, Excel, FHIR, JSON APIs,
the journal export, the indicators report (Excel and PDF) and the committee minutes
(PDF). Each answer is turned into the text a person would read (``document_text.py``)
and searched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from balise.core import clock
from balise.field.models import SyncConflict
from tests.factories import MONDAY, Cast, make_visit
from tests.web.document_text import text_of
from tests.web.fuzzing import real_ids
from tests.web.matrix import ROLES

Browser = Callable[[str | None], TestClient]

NOTE = "CANARY-7Q3"
SMALL_TEAM_NOTE = "CANARY-T4"
# Whole numbers, not part of a longer number or a decimal: "173" but not "1173" or "1.73".
ALICE_FIGURES = [r"173", r"4[\s\u00a0\u202f,]?567"]
SMALL_TEAM_FIGURES = [r"2[\s\u00a0\u202f,]?917"]
PERIOD = "from=2026-11-01&to=2026-11-30"
EXPORTS = [f"/exports/{kind}?format={fmt}&{PERIOD}"
           for kind in ("visits", "acts", "workers", "clients", "care_plans")
           for fmt in ("csv", "xlsx")] + [f"/exports/visits?format=fhir&{PERIOD}"]


def _found(patterns: list[str], words: list[str], text: str) -> list[str]:
    hits = [word for word in words if word in text]
    for pattern in patterns:
        hits += re.findall(rf"(?<![\d.,]){pattern}(?![\d]|[.,]\d)", text)
    return hits


def _plant(session: Session, cast: Cast) -> dict[str, object]:
    first = make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], MONDAY,
                       minutes=173, start_minute=8 * 60 + 17)
    long = make_visit(session, cast.alice, cast.clients[1], cast.acts["BAIN"],
                      MONDAY + timedelta(days=1), minutes=4567)
    small = make_visit(session, cast.small_workers[0], cast.clients[3], cast.acts["BAIN"],
                       MONDAY, minutes=2917)
    first.note = long.note = NOTE
    small.note = SMALL_TEAM_NOTE
    for visit in (first, long, small):
        visit.travel_minutes = 59
    # Two devices disagreed on alice's visit: the lead's conflicts page holds both versions.
    start = datetime.combine(MONDAY, datetime.min.time()) + timedelta(minutes=8 * 60 + 17)
    versions = [{"status": "done", "start": start.isoformat(),
                 "end": (start + timedelta(minutes=minutes)).isoformat(), "acts_done": None,
                 "reason_ids": [], "unmet_act_ids": [], "note": note, "travel_minutes": 59,
                 "recorded_at": "2026-11-16T15:00:00"}
                for minutes, note in ((173, NOTE), (4567, f"{NOTE} bis"))]
    session.add(SyncConflict(
        establishment_id=cast.alice.establishment_id, team_id=cast.alice.team_id,
        visit_id=first.id, rule="later_recorded_at", kept=versions[0],
        set_aside=versions[1], set_aside_source="device", detected_at=clock.now()))
    session.flush()
    return {"canary_visit": first.id, "long_visit": long.id, "small_visit": small.id}


def _urls(app: FastAPI, ids: dict[str, object]) -> list[str]:
    urls = []
    for route in app.routes:
        if isinstance(route, APIRoute) and "GET" in route.methods:
            urls.append(route.path.format(**ids))
    week = MONDAY.isoformat()
    return urls + EXPORTS + [
        f"/visits/{ids['canary_visit']}", f"/visits/{ids['long_visit']}",
        f"/visits/{ids['small_visit']}", f"/me/week?week={week}",
        f"/teams/{ids['team_id']}/plan?week={week}", f"/api/field/day?day={week}",
        f"/teams/{ids['team_id']}/realization?weeks=4", "/acts/BAIN",
        f"/projects/{ids['project_id']}/report.pdf?lang=en",
        f"/meetings/{ids['meeting_id']}/minutes.pdf?lang=en",
    ]


def test_one_workers_figures_reach_only_her(app: FastAPI, cast: Cast, session: Session,
                                            browser: Browser) -> None:
    clock.freeze(datetime(2026, 11, 20, 12, 0))  # the canary's week is "this week"
    planted = _plant(session, cast)
    ids = {**real_ids(session, cast), **planted}
    session.close()  # SQLite: let the app write (sessions, the read log)
    urls = _urls(app, ids)
    leaks: list[str] = []
    seen_by_alice: set[str] = set()
    pdfs_read = 0
    for username in [*ROLES, "bob"]:
        client = browser(username)
        for url in urls:
            response = client.get(url, follow_redirects=False)
            assert response.status_code < 500, f"{username} {url}"
            kind = response.headers.get("content-type", "")
            text = text_of(kind, response.content)
            if kind.startswith("application/pdf"):
                pdfs_read += 1
                assert "2026" in text, f"{url}: the PDF's text could not be read"
            alice_hits = _found(ALICE_FIGURES, [NOTE], text)
            small_hits = _found(SMALL_TEAM_FIGURES, [SMALL_TEAM_NOTE], text)
            if username == "alice":
                seen_by_alice.update(alice_hits)
            elif alice_hits:
                leaks.append(f"{username} {url}: {alice_hits}")
            if small_hits:
                leaks.append(f"{username} {url}: T4 worker's {small_hits}")
    assert leaks == [], "\n".join(leaks)
    # Control: the search finds the canary where it belongs (alice's pages and export).
    assert NOTE in seen_by_alice and "173" in seen_by_alice
    assert any(re.fullmatch(ALICE_FIGURES[1], hit) for hit in seen_by_alice)
    assert pdfs_read >= 2  # the committee's PDFs were really read
