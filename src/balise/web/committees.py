"""Committee pages: the list, a committee, its proposals and stances, its projects."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.committee import queries
from balise.committee.models import (
    PHASES,
    PROPOSAL_KINDS,
    SIDES,
    STANCES,
    CommitteeMember,
    Contract,
    Document,
    Proposal,
)
from balise.committee.notify import FilingNotice, notify_filed
from balise.committee.records import records_context
from balise.committee.service import (
    amend_proposal,
    create_project,
    file_proposal,
    record_stance,
)
from balise.core.access import Viewer
from balise.core.errors import BaliseError, InvalidInput, NotFound
from balise.grid import collection
from balise.indicators.dashboard import alerts_for_member
from balise.territory.queries import visible_teams
from balise.web.access import COMMITTEE, Allow, db_session
from balise.web.request_guards import row_id
from balise.web.templating import render

router = APIRouter()
Member = Annotated[Viewer, Depends(Allow(*COMMITTEE))]
Db = Annotated[Session, Depends(db_session)]
LABELS = {"phases": PHASES, "kinds": PROPOSAL_KINDS, "sides": SIDES, "stance_labels": STANCES}


def _member(db: Session, viewer: Viewer, committee_id: int) -> CommitteeMember:
    member = queries.membership(db, viewer, committee_id)
    if member is None:
        raise NotFound()
    return member


@router.get("/committees")
def committees(request: Request, viewer: Member, db: Db) -> Response:
    return render(request, "committee/committees.html", {
        "committees": queries.committees_of(db, viewer),
        "awaiting": queries.awaiting_stance(db, viewer),
        "indicator_alerts": alerts_for_member(db, viewer),
    })


def _committee_page(request: Request, db: Session, viewer: Viewer, committee_id: int,
                    error: BaliseError | None = None, form: dict[str, str] | None = None,
                    ) -> Response:
    committee = queries.access_committee(db, viewer, committee_id)
    proposals = queries.proposals(db, committee)
    return render(request, "committee/committee.html", {
        **LABELS,
        "committee": committee, "member": _member(db, viewer, committee_id),
        "names": queries.member_names(db, committee),
        "constituted": queries.constituted_now(committee),
        "proposals": [(p, queries.count_of(committee, p)) for p in proposals],
        "decisions": queries.decisions(db, committee),
        "projects": queries.projects(db, committee),
        "teams": visible_teams(db, viewer), "setting_kinds": collection.KINDS,
        "error": error, "form": form or {},
        **records_context(db, committee),
    }, status=400 if error else 200)


@router.get("/committees/{committee_id}")
def committee_page(request: Request, committee_id: int, viewer: Member, db: Db) -> Response:
    return _committee_page(request, db, viewer, committee_id)


@router.post("/committees/{committee_id}/proposals")
def file(
    request: Request, committee_id: int, viewer: Member, db: Db,
    title: Annotated[str, Form(max_length=300)] = "",
    text: Annotated[str, Form(max_length=20000)] = "",
    rationale: Annotated[str, Form(max_length=20000)] = "",
    kind: Annotated[str, Form(max_length=32)] = "general",
    project_id: Annotated[str, Form(max_length=12)] = "",
    act_code: Annotated[str, Form(max_length=32)] = "",
    minutes: Annotated[str, Form(max_length=8)] = "",
    valid_from: Annotated[str, Form(max_length=10)] = "",
    deadline: Annotated[str, Form(max_length=10)] = "",
    setting_key: Annotated[str, Form(max_length=32)] = "",
    setting_enabled: Annotated[str, Form(max_length=4)] = "",
    setting_team: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    committee = queries.access_committee(db, viewer, committee_id)
    member = _member(db, viewer, committee_id)
    try:
        project_number = row_id(project_id)
        project = (queries.access_project(db, viewer, project_number)
                   if project_number is not None else None)
        effect: dict[str, object] = {}
        minute_count = row_id(minutes)
        if kind == "reference_time":
            effect = {"act_code": act_code.strip().upper(), "valid_from": valid_from.strip(),
                      "minutes": -1 if minute_count is None else minute_count}
        elif kind == "collection_setting":
            effect = {"key": setting_key, "enabled": setting_enabled == "1",
                      "team_id": row_id(setting_team)}
        proposal = file_proposal(db, committee, member, title=title, text=text,
                                 rationale=rationale, kind=kind, effect=effect,
                                 project=project, deadline=_date("deadline", deadline))
    except InvalidInput as error:
        db.rollback()
        return _committee_page(request, db, viewer, committee_id, error, {
            "title": title, "text": text, "rationale": rationale, "kind": kind})
    return _notified(request, db, proposal.id)


def _notified(request: Request, db: Session, proposal_id: int) -> Response:
    """Commit the filing or amendment, then email the members; the page says how it went."""
    db.commit()
    proposal = db.get_one(Proposal, proposal_id)
    notice = notify_filed(db, proposal, request.app.state.settings.smtp_url,
                          base_url=str(request.base_url))
    query = "" if notice.status == "off" else (
        f"?mail={notice.status}&sent={notice.sent}&without={notice.without_address}")
    return RedirectResponse(f"/proposals/{proposal_id}{query}", status_code=303)


def _mail_notice(request: Request) -> FilingNotice | None:
    status = request.query_params.get("mail", "")
    if status not in ("sent", "failed"):
        return None
    counts = [request.query_params.get(k, "0") for k in ("sent", "without")]
    sent, without = (row_id(c) or 0 for c in counts)
    return FilingNotice(status, sent, without)


def _date(field: str, raw: str) -> date | None:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise InvalidInput(field, "not_a_date") from exc


def _proposal_page(request: Request, db: Session, viewer: Viewer, proposal_id: int,
                   error: BaliseError | None = None) -> Response:
    proposal = queries.access_proposal(db, viewer, proposal_id)
    committee = queries.access_committee(db, viewer, proposal.committee_id)
    return render(request, "committee/proposal.html", {
        **LABELS,
        "committee": committee, "proposal": proposal,
        "member": _member(db, viewer, committee.id),
        "count": queries.count_of(committee, proposal),
        "names": queries.member_names(db, committee),
        "seats": [m for m in committee.members if m.active and m.voting],
        "decision": queries.decision_of(db, proposal),
        "error": error, "mail": _mail_notice(request),
    }, status=400 if error else 200)


@router.get("/proposals/{proposal_id}")
def proposal_page(request: Request, proposal_id: int, viewer: Member, db: Db) -> Response:
    return _proposal_page(request, db, viewer, proposal_id)


@router.post("/proposals/{proposal_id}/stance")
def take_stance(
    request: Request, proposal_id: int, viewer: Member, db: Db,
    kind: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    proposal = queries.access_proposal(db, viewer, proposal_id)
    member = _member(db, viewer, proposal.committee_id)
    try:
        record_stance(db, proposal, member, kind, reason)
    except BaliseError as error:
        db.rollback()
        return _proposal_page(request, db, viewer, proposal_id, error)
    return RedirectResponse(f"/proposals/{proposal.id}", status_code=303)


@router.post("/proposals/{proposal_id}/amend")
def amend(
    request: Request, proposal_id: int, viewer: Member, db: Db,
    title: Annotated[str, Form(max_length=300)] = "",
    text: Annotated[str, Form(max_length=20000)] = "",
    rationale: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    proposal = queries.access_proposal(db, viewer, proposal_id)
    member = _member(db, viewer, proposal.committee_id)
    try:
        amend_proposal(db, proposal, member, title=title, text=text, rationale=rationale)
    except BaliseError as error:
        db.rollback()
        return _proposal_page(request, db, viewer, proposal_id, error)
    return _notified(request, db, proposal_id)


@router.get("/projects/{project_id}")
def project_page(request: Request, project_id: int, viewer: Member, db: Db) -> Response:
    project = queries.access_project(db, viewer, project_id)
    committee = queries.access_committee(db, viewer, project.committee_id)
    return render(request, "committee/project.html", {
        **LABELS, "committee": committee, "project": project,
        "phase_order": list(PHASES),
        "decisions": [d for d in queries.decisions(db, committee) if d.project_id == project.id],
        "proposals": [(p, queries.count_of(committee, p))
                      for p in queries.proposals(db, committee) if p.project_id == project.id],
        "documents": db.scalars(select(Document).where(Document.project_id == project.id)
                                .order_by(Document.uploaded_at)).all(),
        "contracts": db.scalars(select(Contract).where(Contract.project_id == project.id)
                                .order_by(Contract.signed_on)).all(),
    })


@router.post("/committees/{committee_id}/projects")
def new_project(
    request: Request, committee_id: int, viewer: Member, db: Db,
    title: Annotated[str, Form(max_length=300)] = "",
    objectives: Annotated[str, Form(max_length=20000)] = "",
    team_ids: Annotated[list[str] | None, Form()] = None,
) -> Response:
    committee = queries.access_committee(db, viewer, committee_id)
    member = _member(db, viewer, committee_id)
    allowed = {t.id for t in visible_teams(db, viewer)
               if t.establishment_id == committee.establishment_id}
    teams = [t for t in map(row_id, team_ids or []) if t is not None and t in allowed]
    try:
        project = create_project(db, committee, title=title, objectives=objectives,
                                 team_ids=teams, actor=member.user_id)
    except InvalidInput as error:
        db.rollback()
        return _committee_page(request, db, viewer, committee_id, error)
    return RedirectResponse(f"/projects/{project.id}", status_code=303)
