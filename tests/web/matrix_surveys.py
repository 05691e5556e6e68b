"""Route × role table of surveys: workers answer, managers open and close, readers read
results; the clients' questionnaire is public."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from balise.accounts.service import viewer_of
from balise.core import clock
from balise.indicators import survey_service
from tests.factories import Cast
from tests.web.matrix import FORBIDDEN, NOT_FOUND, OK, REDIRECT, ROLES, only

READERS = {"lead": OK, "union": OK, "employer": OK, "national": OK, "analyst": OK}

EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    # Admins manage accounts, not survey results; the outsider sees its own (empty) list.
    ("GET", "/surveys"): only(FORBIDDEN, alice=OK, **READERS, outsider=OK),
    # An empty form from a role that may open campaigns: a clear refusal, never a 500.
    ("POST", "/surveys/campaigns"): only(FORBIDDEN, lead=400, union=400, employer=400,
                                         outsider=400),
    ("GET", "/surveys/{campaign_id}/answer"): only(FORBIDDEN, alice=OK),
    ("POST", "/surveys/{campaign_id}/answer"): only(FORBIDDEN, alice=400),  # no answer given
    ("GET", "/surveys/{campaign_id}/results"): only(FORBIDDEN, **READERS, outsider=NOT_FOUND),
    ("POST", "/surveys/{campaign_id}/close"): only(FORBIDDEN, lead=REDIRECT, union=REDIRECT,
                                                   employer=REDIRECT, outsider=NOT_FOUND),
    ("GET", "/q/{code}"): dict.fromkeys(ROLES, OK),
    ("POST", "/q/{code}"): dict.fromkeys(ROLES, 400),  # no answer given
}
PUBLIC = {("GET", "/q/{code}"), ("POST", "/q/{code}")}


def params(session: Session, cast: Cast) -> dict[str, object]:
    lead = viewer_of(cast.users["lead"])
    today = clock.today()
    workers = survey_service.open_campaign(session, lead, cast.team, "cbi", today,
                                           today + timedelta(days=20))
    clients = survey_service.open_campaign(session, lead, cast.team, "client", today,
                                           today + timedelta(days=20))
    return {"campaign_id": workers.id, "code": clients.public_code}
