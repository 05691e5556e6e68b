"""Survey pages: campaigns, the anonymous answer form, results, the clients' public link."""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from balise.core import clock
from balise.core.access import Role, Viewer
from balise.core.errors import BaliseError, InvalidInput
from balise.indicators import survey_queries as queries
from balise.indicators import survey_service as service
from balise.indicators.survey_models import SurveyCampaign
from balise.indicators.surveys import INSTRUMENTS, SurveyError
from balise.territory.queries import access_team, visible_teams
from balise.web.access import PRE_SESSION_COOKIE, Allow, db_session
from balise.web.request_guards import row_id
from balise.web.templating import render

router = APIRouter()
Db = Annotated[Session, Depends(db_session)]
MANAGERS = (Role.TEAM_LEAD, Role.COMMITTEE_EMPLOYER, Role.COMMITTEE_UNION)
READERS = (*MANAGERS, Role.NATIONAL, Role.ANALYST)
Reader = Annotated[Viewer, Depends(Allow(Role.WORKER, *READERS))]
Manager = Annotated[Viewer, Depends(Allow(*MANAGERS))]
ResultsReader = Annotated[Viewer, Depends(Allow(*READERS))]
WorkerOnly = Annotated[Viewer, Depends(Allow(Role.WORKER))]
Public = Annotated[Viewer | None, Depends(Allow(public=True))]

# Crude flood guard on the public link: per client address, in memory, per process.
# Nothing about the address is stored; a restart forgets it.
PUBLIC_ANSWERS_PER_WINDOW = 20
PUBLIC_WINDOW_SECONDS = 600


async def submitted_form(request: Request) -> dict[str, str]:
    """The form's text fields (the answer form has one field per item)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


Answers = Annotated[dict[str, str], Depends(submitted_form)]


def _index(request: Request, db: Session, viewer: Viewer, error: BaliseError | None = None,
           form: dict[str, str] | None = None) -> Response:
    opens_on, closes_on = service.default_dates(clock.today())
    can_open = viewer.role in MANAGERS
    return render(request, "surveys/index.html", {
        "to_answer": queries.campaigns_to_answer(db, viewer),
        "campaigns": queries.campaigns_of(db, viewer),
        "tables": queries.team_tables(db, viewer),
        "teams": visible_teams(db, viewer) if can_open else [],
        "instruments": INSTRUMENTS, "can_open": can_open, "error": error,
        "form": form or {"opens_on": opens_on.isoformat(), "closes_on": closes_on.isoformat()},
        "thanks": request.query_params.get("thanks") == "1",
    }, status=400 if error else 200)


@router.get("/surveys")
def surveys_page(request: Request, viewer: Reader, db: Db) -> Response:
    return _index(request, db, viewer)


@router.post("/surveys/campaigns")
def open_campaign(
    request: Request, viewer: Manager, db: Db,
    team_id: Annotated[str, Form(max_length=12)] = "",
    instrument: Annotated[str, Form(max_length=16)] = "",
    opens_on: Annotated[str, Form(max_length=10)] = "",
    closes_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    form = {"team_id": team_id, "instrument": instrument, "opens_on": opens_on,
            "closes_on": closes_on}
    try:
        team = access_team(db, viewer, _whole_number("team_id", team_id))
        service.open_campaign(db, viewer, team, instrument, _day("opens_on", opens_on),
                              _day("closes_on", closes_on))
    except InvalidInput as error:
        db.rollback()
        return _index(request, db, viewer, error, form)
    return RedirectResponse("/surveys", status_code=303)


def _whole_number(field: str, text: str) -> int:
    if not text.strip():
        raise InvalidInput(field, "required")
    number = row_id(text)
    if number is None:
        raise InvalidInput(field, "not_a_number")
    return number


def _day(field: str, text: str) -> date:
    if not text.strip():
        raise InvalidInput(field, "required")
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise InvalidInput(field, "not_a_date") from error


def _answer_page(request: Request, db: Session, viewer: Viewer, campaign: SurveyCampaign,
                 error: BaliseError | None = None) -> Response:
    return render(request, "surveys/answer.html", {
        "campaign": campaign, "instrument": INSTRUMENTS[campaign.instrument],
        "is_open": campaign.is_open(clock.today()),
        "answered": service.has_answered(db, campaign, viewer), "error": error,
    }, status=400 if error else 200)


@router.get("/surveys/{campaign_id}/answer")
def answer_page(request: Request, campaign_id: int, viewer: WorkerOnly, db: Db) -> Response:
    campaign = queries.access_campaign_to_answer(db, viewer, campaign_id)
    return _answer_page(request, db, viewer, campaign)


@router.post("/surveys/{campaign_id}/answer")
def answer(request: Request, campaign_id: int, viewer: WorkerOnly, db: Db,
           answers: Answers) -> Response:
    campaign = queries.access_campaign_to_answer(db, viewer, campaign_id)
    try:
        service.answer_campaign(db, viewer, campaign, answers)
    except (InvalidInput, SurveyError) as error:
        return _answer_page(request, db, viewer, campaign, error)
    return RedirectResponse("/surveys?thanks=1", status_code=303)


@router.get("/surveys/{campaign_id}/results")
def results_page(request: Request, campaign_id: int, viewer: ResultsReader, db: Db) -> Response:
    campaign = queries.access_campaign_results(db, viewer, campaign_id)
    return render(request, "surveys/results.html", {
        "results": queries.campaign_results(db, campaign)})


@router.post("/surveys/{campaign_id}/close")
def close(campaign_id: int, viewer: Manager, db: Db) -> Response:
    campaign = queries.access_campaign_to_manage(db, viewer, campaign_id)
    service.close_campaign(db, campaign, viewer)
    return RedirectResponse(f"/surveys/{campaign.id}/results", status_code=303)


def _public_page(request: Request, campaign: SurveyCampaign, error: BaliseError | None = None,
                 status: int = 200) -> Response:
    # Clients arrive without an account: the form's token is the pre-session cookie's
    # (double submit, as on the login page).
    token = (getattr(request.state, "csrf_token", None) or request.cookies.get(PRE_SESSION_COOKIE)
             or secrets.token_urlsafe(32))
    response = render(request, "surveys/public.html", {
        "campaign": campaign, "instrument": INSTRUMENTS[campaign.instrument],
        "is_open": campaign.is_open(clock.today()), "error": error, "csrf_token": token,
    }, status=status)
    if getattr(request.state, "csrf_token", None) is None:
        response.set_cookie(PRE_SESSION_COOKIE, token, path="/", httponly=True,
                            samesite="strict", secure=request.app.state.settings.secure_cookies)
    return response


@router.get("/q/{code}")
def public_page(request: Request, code: str, _viewer: Public, db: Db) -> Response:
    return _public_page(request, queries.access_public_campaign(db, code))


@router.post("/q/{code}")
def public_answer(request: Request, code: str, _viewer: Public, db: Db,
                  answers: Answers) -> Response:
    campaign = queries.access_public_campaign(db, code)
    if not _limiter(request).allow(request.client.host if request.client else "unknown"):
        error = SurveyError("survey_too_many", minutes=PUBLIC_WINDOW_SECONDS // 60)
        return _public_page(request, campaign, error, status=429)
    try:
        service.answer_public(db, campaign, answers)
    except (InvalidInput, SurveyError) as error:
        return _public_page(request, campaign, error, status=400)
    return render(request, "surveys/thanks.html", {})


class SlidingWindow:
    """At most ``limit`` events per key in any ``seconds``-long window."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.seconds:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            # Forget idle addresses so the table does not grow without end.
            if len(self._events) > 10_000:
                self._events = {k: v for k, v in self._events.items()
                                if v and v[-1] > now - self.seconds}
            return True


def _limiter(request: Request) -> SlidingWindow:
    # Kept on the application, not the module, so each app (and each test) has its own.
    state = request.app.state
    limiter: SlidingWindow | None = getattr(state, "survey_public_limiter", None)
    if limiter is None:
        limiter = SlidingWindow(PUBLIC_ANSWERS_PER_WINDOW, PUBLIC_WINDOW_SECONDS)
        state.survey_public_limiter = limiter
    return limiter
