"""Administration of joint committees: create one, keep its mandate and its members.

The administrator of an establishment manages the committees it hosts. A committee
whose voting members are unequal on the two sides is shown as not properly
constituted: it cannot adopt anything until the administrator fixes it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.accounts.models import User
from balise.committee import membership
from balise.committee.models import COMMITTEE_KINDS, SIDES, Committee, CommitteeMember
from balise.committee.queries import constituted_now, member_names
from balise.core.access import Role, Viewer
from balise.core.errors import InvalidInput, NotFound
from balise.territory.models import Establishment
from balise.web.access import Allow, db_session
from balise.web.request_guards import row_id
from balise.web.templating import render

router = APIRouter()
Admin = Annotated[Viewer, Depends(Allow(Role.ADMIN))]
Db = Annotated[Session, Depends(db_session)]


def access_hosted_committee(db: Session, viewer: Viewer, committee_id: int) -> Committee:
    """A committee this administrator's establishment hosts; any other answers 404."""
    committee = db.get(Committee, committee_id)
    if committee is None:
        raise NotFound()
    if committee.establishment_id != viewer.establishment_id:
        raise NotFound()
    return committee


def _member_of(committee: Committee, member_id: int) -> CommitteeMember:
    for member in committee.members:
        if member.id == member_id and member.active:
            return member
    raise NotFound()


def _seat(committee: Committee, raw: str) -> CommitteeMember | None:
    if not raw.strip():
        return None
    seat = row_id(raw)
    if seat is None:
        raise InvalidInput("substitute_for", "unknown_choice")
    found = [m for m in committee.members if m.id == seat]
    if not found:
        raise InvalidInput("substitute_for", "unknown_choice")
    return found[0]


def _list_page(request: Request, db: Session, viewer: Viewer,
               error: InvalidInput | None = None, form: dict[str, str] | None = None) -> Response:
    committees = db.scalars(select(Committee)
                            .where(Committee.establishment_id == viewer.establishment_id)
                            .order_by(Committee.kind, Committee.name)).all()
    return render(request, "committee/admin_committees.html", {
        "committees": [(c, constituted_now(c)) for c in committees],
        "kinds": COMMITTEE_KINDS,
        "others": db.scalars(select(Establishment)
                             .where(Establishment.id != viewer.establishment_id)
                             .order_by(Establishment.name)).all(),
        "error": error, "form": form or {},
    }, status=400 if error else 200)


@router.get("/admin/committees")
def committees_page(request: Request, viewer: Admin, db: Db) -> Response:
    return _list_page(request, db, viewer)


@router.post("/admin/committees")
def create(
    request: Request, viewer: Admin, db: Db,
    kind: Annotated[str, Form(max_length=16)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    mandate: Annotated[str, Form(max_length=20000)] = "",
    covered: Annotated[list[str] | None, Form()] = None,
) -> Response:
    try:
        others = [i for i in map(row_id, covered or []) if i is not None]
        committee = membership.set_up_committee(
            db, kind=kind, name=name, establishment_id=viewer.establishment_id,
            mandate=mandate, covered=others, actor=viewer.user_id)
    except InvalidInput as error:
        db.rollback()
        return _list_page(request, db, viewer, error,
                          {"kind": kind, "name": name, "mandate": mandate})
    return RedirectResponse(f"/admin/committees/{committee.id}", status_code=303)


def _committee_page(request: Request, db: Session, viewer: Viewer, committee_id: int,
                    error: InvalidInput | None = None,
                    form: dict[str, str] | None = None) -> Response:
    committee = access_hosted_committee(db, viewer, committee_id)
    covered = membership.covered_ids(committee)
    accounts = db.scalars(select(User).where(User.establishment_id.in_(covered),
                                             User.role.in_([r.value for r in
                                                            membership.SEATED_ROLES]),
                                             User.active.is_(True))
                          .order_by(User.username)).all()
    seated = {m.user_id for m in committee.members if m.active}
    return render(request, "committee/admin_committee.html", {
        "committee": committee, "constituted": constituted_now(committee),
        "names": member_names(db, committee), "sides": SIDES, "kinds": COMMITTEE_KINDS,
        "members": [m for m in committee.members if m.active],
        "voting": {side: sum(1 for m in committee.members
                             if m.active and m.voting and m.side == side) for side in SIDES},
        "candidates": [u for u in accounts if u.id not in seated],
        "covered": db.scalars(select(Establishment.name).where(Establishment.id.in_(covered))
                              .order_by(Establishment.name)).all(),
        "error": error, "form": form or {},
    }, status=400 if error else 200)


@router.get("/admin/committees/{committee_id}")
def committee_page(request: Request, committee_id: int, viewer: Admin, db: Db) -> Response:
    return _committee_page(request, db, viewer, committee_id)


@router.post("/admin/committees/{committee_id}/mandate")
def mandate(
    request: Request, committee_id: int, viewer: Admin, db: Db,
    mandate: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    committee = access_hosted_committee(db, viewer, committee_id)
    try:
        membership.change_mandate(db, committee, mandate, actor=viewer.user_id)
    except InvalidInput as error:
        db.rollback()
        return _committee_page(request, db, viewer, committee_id, error)
    return RedirectResponse(f"/admin/committees/{committee_id}", status_code=303)


@router.post("/admin/committees/{committee_id}/members")
def add(
    request: Request, committee_id: int, viewer: Admin, db: Db,
    username: Annotated[str, Form(max_length=80)] = "",
    side: Annotated[str, Form(max_length=16)] = "",
    voting: Annotated[str, Form(max_length=4)] = "",
    substitute_for: Annotated[str, Form(max_length=12)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    committee = access_hosted_committee(db, viewer, committee_id)
    try:
        user = membership.user_by_name(db, username)
        membership.seat_member(db, committee, user, side=side, voting=voting == "1",
                               substitute_for=_seat(committee, substitute_for), email=email,
                               actor=viewer.user_id)
    except InvalidInput as error:
        db.rollback()
        return _committee_page(request, db, viewer, committee_id, error, {
            "username": username, "side": side, "email": email})
    return RedirectResponse(f"/admin/committees/{committee_id}", status_code=303)


@router.post("/admin/committees/{committee_id}/members/{member_id}")
def change(
    request: Request, committee_id: int, member_id: int, viewer: Admin, db: Db,
    voting: Annotated[str, Form(max_length=4)] = "",
    substitute_for: Annotated[str, Form(max_length=12)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    committee = access_hosted_committee(db, viewer, committee_id)
    member = _member_of(committee, member_id)
    try:
        membership.change_seat(db, committee, member, voting=voting == "1",
                               substitute_for=_seat(committee, substitute_for), email=email,
                               actor=viewer.user_id)
    except InvalidInput as error:
        db.rollback()
        return _committee_page(request, db, viewer, committee_id, error)
    return RedirectResponse(f"/admin/committees/{committee_id}", status_code=303)


@router.post("/admin/committees/{committee_id}/members/{member_id}/remove")
def remove(request: Request, committee_id: int, member_id: int, viewer: Admin,
           db: Db) -> Response:
    committee = access_hosted_committee(db, viewer, committee_id)
    member = _member_of(committee, member_id)
    try:
        membership.remove_member(db, committee, member, actor=viewer.user_id)
    except InvalidInput as error:
        db.rollback()
        return _committee_page(request, db, viewer, committee_id, error)
    return RedirectResponse(f"/admin/committees/{committee_id}", status_code=303)
