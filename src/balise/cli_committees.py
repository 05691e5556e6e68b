"""``balise committees …``: set up joint committees and keep their members.

The same actions as the administrator's page (:mod:`balise.committee.membership`), for
an operator; each change is journaled without an acting user (the command line has
none). A refused change prints why and exits with status 2, nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.committee import membership
from balise.committee.models import COMMITTEE_KINDS, SIDES, Committee, CommitteeMember
from balise.committee.queries import constituted_now, member_names
from balise.core.db import session_factory, transaction
from balise.core.errors import BaliseError, InvalidInput
from balise.core.i18n import gettext as _
from balise.territory.models import Establishment

committees_app = typer.Typer(help="Joint committees and their members", no_args_is_help=True)


def _establishment(session: Session, code: str) -> int:
    found = session.scalar(select(Establishment.id).where(Establishment.code == code))
    if found is None:
        raise InvalidInput("establishment", "unknown_choice")
    return found


def _committee(session: Session, committee_id: int) -> Committee:
    committee = session.get(Committee, committee_id)
    if committee is None:
        raise InvalidInput("committee", "unknown_choice")
    return committee


def _member(session: Session, committee: Committee, username: str) -> CommitteeMember:
    user = membership.user_by_name(session, username)
    for member in committee.members:
        if member.user_id == user.id and member.active:
            return member
    raise InvalidInput("username", "unknown_choice")


def _run(work: Callable[[Session], str]) -> None:
    """Run ``work`` in one transaction and print what it says; a refusal writes nothing."""
    # Imported here: balise.cli imports this module to register the commands.
    from balise.cli import _fail, _ready_engine, _settings, console

    try:
        with _ready_engine(_settings()) as engine, \
                transaction(session_factory(engine)) as session:
            said = work(session)
    except BaliseError as error:
        raise _fail(error) from error
    console.print(said)


@committees_app.command("create")
def create(
    name: str,
    kind: Annotated[str, typer.Option(help="local or national")],
    establishment: Annotated[str, typer.Option(help="Code of the hosting establishment")],
    mandate: Annotated[str, typer.Option(help="What the committee is for")],
    covers: Annotated[list[str] | None, typer.Option(
        help="Code of another establishment covered (national; repeat the option)")] = None,
) -> None:
    """Create a local or national joint committee."""
    def work(session: Session) -> str:
        host = _establishment(session, establishment)
        committee = membership.set_up_committee(
            session, kind=kind, name=name, establishment_id=host, mandate=mandate,
            covered=[_establishment(session, code) for code in covers or []], actor=None)
        return _("Committee #{id} created: {name}.").format(id=committee.id, name=committee.name)
    _run(work)


@committees_app.command("add-member")
def add_member(
    committee_id: int,
    username: str,
    side: Annotated[str, typer.Option(help="employer or union")],
    voting: Annotated[bool, typer.Option("--voting/--non-voting")] = True,
    substitute_for: Annotated[str, typer.Option(
        help="User name of the voting member this one substitutes for")] = "",
    email: Annotated[str, typer.Option(help="Address for notices of proposals")] = "",
) -> None:
    """Seat an account on a committee, on one side, voting or not, or as a substitute."""
    def work(session: Session) -> str:
        committee = _committee(session, committee_id)
        seat = _member(session, committee, substitute_for) if substitute_for else None
        membership.seat_member(session, committee, membership.user_by_name(session, username),
                               side=side, voting=voting and seat is None,
                               substitute_for=seat, email=email, actor=None)
        return _constitution(committee)
    _run(work)


@committees_app.command("change-member")
def change_member(
    committee_id: int,
    username: str,
    voting: Annotated[bool, typer.Option("--voting/--non-voting")] = True,
    substitute_for: Annotated[str, typer.Option(
        help="User name of the voting member this one substitutes for")] = "",
    email: Annotated[str, typer.Option(help="Address for notices of proposals")] = "",
) -> None:
    """Change a member's seat: voting or not, substitute for whom, address."""
    def work(session: Session) -> str:
        committee = _committee(session, committee_id)
        member = _member(session, committee, username)
        seat = _member(session, committee, substitute_for) if substitute_for else None
        membership.change_seat(session, committee, member, voting=voting and seat is None,
                               substitute_for=seat, email=email or member.email, actor=None)
        return _constitution(committee)
    _run(work)


@committees_app.command("remove-member")
def remove_member(committee_id: int, username: str) -> None:
    """A member leaves the committee; their stances stay in the record."""
    def work(session: Session) -> str:
        committee = _committee(session, committee_id)
        membership.remove_member(session, committee, _member(session, committee, username),
                                 actor=None)
        return _constitution(committee)
    _run(work)


@committees_app.command("list")
def list_committees() -> None:
    """Every committee, its members and whether it is properly constituted."""
    def work(session: Session) -> str:
        lines = []
        for committee in session.scalars(select(Committee).order_by(Committee.id)):
            lines.append(f"#{committee.id} {committee.name} ({_(COMMITTEE_KINDS[committee.kind])})")
            names = member_names(session, committee)
            for m in committee.members:
                if not m.active:
                    continue
                seat = (_("voting") if m.voting else _("substitute for {name}").format(
                    name=names[m.substitute_for_id]) if m.substitute_for_id else _("non-voting"))
                lines.append(f"  {names[m.id]} — {_(SIDES[m.side])}, {seat}")
            lines.append("  " + _constitution(committee))
        return "\n".join(lines) or _("No committee yet.")
    _run(work)


def _constitution(committee: Committee) -> str:
    voting = {side: sum(1 for m in committee.members if m.active and m.voting and m.side == side)
              for side in SIDES}
    state = (_("properly constituted") if constituted_now(committee)
             else _("NOT properly constituted: it cannot adopt decisions"))
    return _("{name}: {employer} voting on the employer side, {union} on the union side; "
             "{state}.").format(name=committee.name, employer=voting["employer"],
                                union=voting["union"], state=state)
