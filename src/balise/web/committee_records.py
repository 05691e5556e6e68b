"""Committee records: meetings and their minutes, shared documents, consultant contracts.

Every route reaches its object through an ``access_*`` function, so a non-member gets
the same 404 as for a missing object; roles outside committees get 403 from ``Allow``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from balise.committee import documents as docs
from balise.committee import queries
from balise.committee.contracts import (
    ContractInput,
    contract_summary,
    contracts,
    covered,
    parse_amount,
    register_contract,
    summary_total,
)
from balise.committee.meetings import (
    approve_minutes,
    minutes_record,
    present_ids,
    schedule_meeting,
    write_minutes,
)
from balise.committee.models import PROCUREMENT, SIDES, STANCES, CommitteeMember
from balise.committee.records import records_context
from balise.core.access import Viewer
from balise.core.errors import BaliseError, InvalidInput, NotFound
from balise.core.i18n import LANGUAGES, current_language
from balise.core.i18n import gettext as _
from balise.reports.minutes import long_date, minutes_filename, minutes_pdf, moment
from balise.web.access import COMMITTEE, Allow, db_session
from balise.web.request_guards import row_id
from balise.web.templating import render

router = APIRouter()
Member = Annotated[Viewer, Depends(Allow(*COMMITTEE))]
Db = Annotated[Session, Depends(db_session)]
Text = Annotated[str, Form(max_length=20000)]
Short = Annotated[str, Form(max_length=300)]


def _member(db: Session, viewer: Viewer, committee_id: int) -> CommitteeMember:
    member = queries.membership(db, viewer, committee_id)
    if member is None:
        raise NotFound()
    return member


def _date(field: str, raw: str) -> date | None:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise InvalidInput(field, "not_a_date") from exc


def _ids(raw: list[str]) -> list[int]:
    return [number for number in map(row_id, raw) if number is not None]


def _records_page(request: Request, db: Session, viewer: Viewer, committee_id: int,
                  error: BaliseError | None = None, section: str = "",
                  form: dict[str, str] | None = None) -> Response:
    committee = queries.access_committee(db, viewer, committee_id)
    return render(request, "committee/records.html", {
        **records_context(db, committee),
        "committee": committee, "member": _member(db, viewer, committee_id),
        "error": error, "section": section, "form": form or {},
    }, status=400 if error else 200)


@router.get("/committees/{committee_id}/records")
def records_page(request: Request, committee_id: int, viewer: Member, db: Db) -> Response:
    return _records_page(request, db, viewer, committee_id)


@router.post("/committees/{committee_id}/meetings")
def schedule(request: Request, committee_id: int, viewer: Member, db: Db,
             held_on: Annotated[str, Form(max_length=10)] = "", agenda: Text = "") -> Response:
    committee = queries.access_committee(db, viewer, committee_id)
    try:
        meeting = schedule_meeting(db, committee, _member(db, viewer, committee_id),
                                   held_on=_date("held_on", held_on), agenda=agenda)
    except InvalidInput as error:
        db.rollback()
        return _records_page(request, db, viewer, committee_id, error, "meeting",
                             {"held_on": held_on, "agenda": agenda})
    return RedirectResponse(f"/meetings/{meeting.id}", status_code=303)


def _meeting_page(request: Request, db: Session, viewer: Viewer, meeting_id: int,
                  error: BaliseError | None = None, form: dict[str, str] | None = None,
                  ) -> Response:
    meeting = queries.access_meeting(db, viewer, meeting_id)
    committee = queries.access_committee(db, viewer, meeting.committee_id)
    member = _member(db, viewer, committee.id)
    record = minutes_record(db, meeting)
    return render(request, "committee/meeting.html", {
        "committee": committee, "meeting": meeting, "member": member, "record": record,
        "sides": SIDES, "stances": STANCES, "long_date": lambda d: long_date(d, current_language()),
        "moment": lambda m: moment(m, current_language()),
        "names": queries.member_names(db, committee),
        "members": [m for m in committee.members if m.active],
        "present": set(present_ids(db, meeting)),
        "decisions": queries.decisions(db, committee),
        "may_approve": (member.voting or member.substitute_for_id is not None)
                       and member.side not in record.approved_by_side,
        "error": error, "form": form or {},
    }, status=400 if error else 200)


@router.get("/meetings/{meeting_id}")
def meeting_page(request: Request, meeting_id: int, viewer: Member, db: Db) -> Response:
    return _meeting_page(request, db, viewer, meeting_id)


@router.post("/meetings/{meeting_id}/minutes")
def minutes(request: Request, meeting_id: int, viewer: Member, db: Db,
            text: Text = "", present: Annotated[list[str], Form()] = [],  # noqa: B006
            decision: Annotated[list[str], Form()] = []) -> Response:  # noqa: B006
    meeting = queries.access_meeting(db, viewer, meeting_id)
    try:
        write_minutes(db, meeting, _member(db, viewer, meeting.committee_id), text=text,
                      present=_ids(present), decision_ids=_ids(decision))
    except InvalidInput as error:
        db.rollback()
        return _meeting_page(request, db, viewer, meeting_id, error, {"text": text})
    return RedirectResponse(f"/meetings/{meeting_id}", status_code=303)


@router.post("/meetings/{meeting_id}/approve")
def approve(request: Request, meeting_id: int, viewer: Member, db: Db) -> Response:
    meeting = queries.access_meeting(db, viewer, meeting_id)
    try:
        approve_minutes(db, meeting, _member(db, viewer, meeting.committee_id))
    except InvalidInput as error:
        db.rollback()
        return _meeting_page(request, db, viewer, meeting_id, error)
    return RedirectResponse(f"/meetings/{meeting_id}", status_code=303)


@router.get("/meetings/{meeting_id}/minutes.pdf")
def minutes_as_pdf(meeting_id: int, viewer: Member, db: Db, lang: str = "") -> Response:
    meeting = queries.access_meeting(db, viewer, meeting_id)
    if lang and lang not in LANGUAGES:
        raise InvalidInput("lang", "unknown_choice")
    chosen = lang or current_language()
    return Response(minutes_pdf(db, meeting, chosen), media_type="application/pdf",
                    headers={"Content-Disposition": _disposition(
                        "inline", minutes_filename(meeting, chosen))})


def _disposition(kind: str, filename: str) -> str:
    """Both forms of the name: ASCII for old clients, UTF-8 (RFC 6266) for the others."""
    fallback = filename.encode("ascii", "replace").decode("ascii").replace("?", "_")
    fallback = fallback.replace('"', "_").replace("\\", "_")
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.post("/committees/{committee_id}/documents")
def upload(request: Request, committee_id: int, viewer: Member, db: Db,
           file: Annotated[UploadFile | None, File()] = None) -> Response:
    committee = queries.access_committee(db, viewer, committee_id)
    try:
        if file is None or not file.filename:
            raise InvalidInput("file", "required")
        if file.size is not None:
            docs.check_size(file.size)  # before reading a too-large file into memory
        data = file.file.read(docs.MAX_DOCUMENT_BYTES + 1)
        docs.share_document(db, committee, _member(db, viewer, committee_id),
                            filename=file.filename, declared_type=file.content_type or "",
                            data=data)
    except InvalidInput as error:
        db.rollback()
        return _records_page(request, db, viewer, committee_id, error, "document")
    return RedirectResponse(f"/committees/{committee_id}/records#documents", status_code=303)


@router.get("/documents/{document_id}")
def download(document_id: int, viewer: Member, db: Db) -> Response:
    document = docs.access_document(db, viewer, document_id)
    content = docs.open_document(db, document, viewer.user_id)
    return Response(content, media_type=document.content_type, headers={
        "Content-Disposition": _disposition("attachment", document.filename),
        "X-Content-Type-Options": "nosniff",
        # Should a browser still render it, it renders with no script and no origin.
        "Content-Security-Policy": "sandbox; default-src 'none'",
    })


@router.get("/documents/{document_id}/accesses")
def document_accesses(request: Request, document_id: int, viewer: Member, db: Db) -> Response:
    document = docs.access_document(db, viewer, document_id)
    committee = queries.access_committee(db, viewer, document.committee_id)
    return render(request, "committee/document.html", {
        "committee": committee, "document": document,
        "size": docs.megabytes(document.size), "accesses": docs.accesses(db, document),
        "moment": lambda m: moment(m, current_language()),
    })


@router.post("/committees/{committee_id}/contracts")
def add_contract(
    request: Request, committee_id: int, viewer: Member, db: Db,
    firm: Short = "", purpose: Text = "", procurement: Annotated[str, Form(max_length=16)] = "",
    justification: Text = "", total_amount: Annotated[str, Form(max_length=30)] = "",
    weekly_fee: Annotated[str, Form(max_length=30)] = "",
    weeks: Annotated[str, Form(max_length=6)] = "", promised_return: Text = "",
    indicator: Short = "", jointly_chosen: Annotated[str, Form(max_length=5)] = "",
    signed_on: Annotated[str, Form(max_length=10)] = "",
    establishment_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    committee = queries.access_committee(db, viewer, committee_id)
    form = {"firm": firm, "purpose": purpose, "procurement": procurement,
            "justification": justification, "total_amount": total_amount,
            "weekly_fee": weekly_fee, "weeks": weeks, "promised_return": promised_return,
            "indicator": indicator, "jointly_chosen": jointly_chosen, "signed_on": signed_on,
            "establishment_id": establishment_id}
    try:
        if weeks.strip() and row_id(weeks) is None:
            raise InvalidInput("weeks", "not_a_number")
        register_contract(db, committee, _member(db, viewer, committee_id), ContractInput(
            firm=firm, purpose=purpose, procurement=procurement, justification=justification,
            total_amount=parse_amount("total_amount", total_amount),
            weekly_fee=parse_amount("weekly_fee", weekly_fee),
            weeks=row_id(weeks), promised_return=promised_return,
            indicator=indicator.strip(), jointly_chosen=bool(jointly_chosen),
            signed_on=_date("signed_on", signed_on),
            establishment_id=row_id(establishment_id)))
    except InvalidInput as error:
        db.rollback()
        return _records_page(request, db, viewer, committee_id, error, "contract", form)
    return RedirectResponse(f"/committees/{committee_id}/records#contracts", status_code=303)


@router.get("/contracts")
def contracts_page(request: Request, viewer: Member, db: Db) -> Response:
    """Every establishment covered by a committee the viewer sits on: a local member
    sees their establishment, a national member every establishment it covers."""
    establishment_ids = sorted({e for committee in queries.committees_of(db, viewer)
                                for e in covered(db, committee)})
    rows = contract_summary(db, establishment_ids)
    return render(request, "committee/contracts.html", {
        "rows": rows, "total": summary_total(rows, _("All establishments")),
        "contracts": contracts(db, establishment_ids=establishment_ids),
        "procurement_labels": PROCUREMENT,
    })
