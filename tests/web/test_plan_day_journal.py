"""A visit moved by hand on the plan page is journaled: who, which visit, from where to
where, and the warnings the lead saw when deciding."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.core.i18n import set_language
from balise.journal.actions import describe
from balise.journal.models import JournalEntry
from balise.journal.service import verify
from tests.factories import MONDAY, Cast, make_visit
from tests.web.test_plan_day_pages import Browser, _ids, _move, _route, _written


def _entries(session: Session) -> list[JournalEntry]:
    session.expire_all()
    found = list(session.scalars(select(JournalEntry).where(
        JournalEntry.action.like("planner.%")).order_by(JournalEntry.seq)))
    session.rollback()
    return found


def test_a_move_is_journaled_with_who_what_from_to_and_no_warning(
    session: Session, cast: Cast, browser: Browser
) -> None:
    ids = _route(session, cast)
    lead = cast.users["lead"].id
    session.rollback()
    assert _entries(session) == []
    assert _move(browser("lead"), ids.team, ids.visits[2], ids.bob, MONDAY) == 303
    [entry] = _entries(session)
    assert (entry.action, entry.subject, entry.actor_user_id) == (
        "planner.visit.moved", f"visit:{ids.visits[2]}", lead)
    assert json.loads(entry.payload) == {
        "from_worker": ids.alice, "from_day": MONDAY.isoformat(), "to_worker": ids.bob,
        "to_day": MONDAY.isoformat(), "warning_count": 0, "warnings": []}
    set_language("en")
    assert describe(entry) == (
        f"Visit #{ids.visits[2]} moved by hand from worker #{ids.alice} on {MONDAY} to "
        f"worker #{ids.bob} on {MONDAY}, 0 warnings shown.")
    assert verify(session).ok


def test_the_warnings_shown_go_into_the_journal(
    session: Session, cast: Cast, browser: Browser
) -> None:
    nurse = cast.workers[5]
    nurse.profession = "nurse"
    wound = make_visit(session, nurse, cast.clients[0], cast.acts["PLAIE"], MONDAY)
    ids = _ids(session, cast, [wound])
    saturday = MONDAY.replace(day=MONDAY.day + 5)
    # Moved anyway: to an auxiliary (profession) on a day she does not work.
    assert _move(browser("lead"), ids.team, ids.visits[0], ids.bob, saturday) == 303
    assert _written(session, ids.visits[0]) == (ids.bob, saturday)
    [entry] = _entries(session)
    payload = json.loads(entry.payload)
    assert [w["code"] for w in payload["warnings"]] == ["profession", "no_shift"]
    assert payload["warning_count"] == 2
    assert (payload["from_day"], payload["to_day"]) == (MONDAY.isoformat(), saturday.isoformat())


def test_a_visit_without_a_worker_is_journaled_as_assigned(
    session: Session, cast: Cast, browser: Browser
) -> None:
    visit = make_visit(session, cast.alice, cast.clients[1], cast.acts["BAIN"], MONDAY)
    visit.worker_id = None
    ids = _ids(session, cast, [visit])
    assert _move(browser("lead"), ids.team, ids.visits[0], ids.bob, MONDAY) == 303
    [entry] = _entries(session)
    assert entry.action == "planner.visit.assigned"
    assert json.loads(entry.payload)["from_worker"] is None
    set_language("fr")
    assert describe(entry).startswith(f"Visite n° {ids.visits[0]}, sans intervenant·e, attribuée")
