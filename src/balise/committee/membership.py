"""Setting up a committee and keeping its membership: what an administrator does.

A local committee covers its own establishment; a national one covers several. Its
members sit on the employer or the union side, voting or not; a substitute holds no
seat of their own and may answer for a voting member of their own side. Only accounts
that reach the committee pages may sit (employer-side and union-side committee
accounts, each on its own side, and national accounts on either side), and only
accounts of an establishment the committee covers.

Whether the committee is properly constituted (as many voting members on each side)
is not checked here: an administrator may have to add one side before the other. The
committee pages show the state, and consensus refuses to adopt while it lasts
(``consensus.count``). Every change is journaled.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.accounts.models import User
from balise.committee.models import Committee, CommitteeMember
from balise.committee.service import add_member, create_committee
from balise.core.access import ROLE_LABELS, Role
from balise.core.errors import MESSAGES, InvalidInput
from balise.core.i18n import gettext as _
from balise.core.i18n import lazy
from balise.journal.service import append
from balise.territory.models import Establishment

MEMBERSHIP_MESSAGES: dict[str, str] = {
    "national_covers_several": lazy("A national committee covers at least two establishments."),
    "local_covers_one": lazy("A local committee covers its own establishment only."),
    "member_role": lazy("The account {username} ({role}) does not reach the committee pages; only committee and national accounts can sit."),
    "member_wrong_side": lazy("The account {username} is a {role} account; it cannot sit on the other side."),
    "member_not_covered": lazy("The account {username} belongs to an establishment this committee does not cover."),
    "member_already": lazy("{username} is already a member of this committee."),
    "member_unknown": lazy("No account has the user name {username}."),
    "substitute_votes": lazy("A substitute holds no seat of their own: a member cannot both vote and substitute."),
    "substitute_seat": lazy("A substitute answers for an active voting member of their own side."),
    "member_has_substitutes": lazy("Other members substitute for this one: remove them or assign them another seat first."),
    "email_invalid": lazy("{email} is not an email address."),
}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
SIDE_OF_ROLE = {Role.COMMITTEE_EMPLOYER: "employer", Role.COMMITTEE_UNION: "union"}
SEATED_ROLES = frozenset({*SIDE_OF_ROLE, Role.NATIONAL})


class MembershipError(InvalidInput):
    """``MembershipError("user", "member_already", username="syndicat")``."""

    def message(self) -> str:
        template = MEMBERSHIP_MESSAGES.get(self.code) or MESSAGES.get(self.code, self.code)
        params: dict[str, Any] = self.params
        return _(template).format(**params)


def set_up_committee(session: Session, *, kind: str, name: str, establishment_id: int,
                     mandate: str, covered: Sequence[int] = (),
                     actor: int | None) -> Committee:
    """A new committee, with the establishments it covers checked."""
    others = {e for e in covered if e != establishment_id}
    known = set(session.scalars(select(Establishment.id).where(
        Establishment.id.in_(others)))) if others else set()
    if others - known:
        raise InvalidInput("covered", "unknown_choice")
    if kind == "national" and not others:
        raise MembershipError("covered", "national_covers_several")
    if kind == "local" and others:
        raise MembershipError("covered", "local_covers_one")
    return create_committee(session, kind=kind, name=name, establishment_id=establishment_id,
                            mandate=mandate.strip(), covered=sorted(others), actor=actor)


def change_mandate(session: Session, committee: Committee, mandate: str, *,
                   actor: int | None) -> None:
    if not mandate.strip():
        raise InvalidInput("mandate", "required")
    committee.mandate = mandate.strip()
    session.flush()
    _journal(session, committee, "committee.mandate.changed", f"committee:{committee.id}",
             actor)


def covered_ids(committee: Committee) -> set[int]:
    return {committee.establishment_id, *(c.establishment_id for c in committee.establishments)}


def user_by_name(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise MembershipError("user", "member_unknown", username=username.strip())
    return user


def seat_member(session: Session, committee: Committee, user: User, *, side: str,
                voting: bool, substitute_for: CommitteeMember | None = None, email: str = "",
                actor: int | None) -> CommitteeMember:
    """Add a member (or bring back one who left), after every rule of a seat."""
    if side not in ("employer", "union"):
        raise InvalidInput("side", "unknown_choice")
    _check_account(committee, user, side)
    _check_seat(committee, side, voting, substitute_for, None)
    address = _checked_email(email)
    former = session.scalar(select(CommitteeMember).where(
        CommitteeMember.committee_id == committee.id, CommitteeMember.user_id == user.id))
    if former is not None and former.active:
        raise MembershipError("user", "member_already", username=user.username)
    if former is None:
        member = add_member(session, committee, user, side=side, voting=voting,
                            substitute_for=substitute_for, actor=actor)
        member.email = address
        session.flush()
        return member
    # One row per person and committee: someone who comes back takes their row again,
    # so their past stances stay theirs.
    former.active, former.side, former.voting, former.email = True, side, voting, address
    former.substitute_for_id = substitute_for.id if substitute_for else None
    session.flush()
    _journal(session, committee, "committee.member.added", f"member:{former.id}", actor,
             side=side, voting=voting)
    return former


def change_seat(session: Session, committee: Committee, member: CommitteeMember, *,
                voting: bool, substitute_for: CommitteeMember | None, email: str,
                actor: int | None) -> None:
    """Voting or not, substitute for whom, and the member's address."""
    _check_seat(committee, member.side, voting, substitute_for, member)
    if not voting and member.voting and _substitutes_of(committee, member):
        raise MembershipError("member", "member_has_substitutes")
    member.voting = voting
    member.substitute_for_id = substitute_for.id if substitute_for else None
    member.email = _checked_email(email)
    session.flush()
    _journal(session, committee, "committee.member.changed", f"member:{member.id}", actor,
             side=member.side, voting=voting,
             substitute_for=substitute_for.id if substitute_for else None)


def remove_member(session: Session, committee: Committee, member: CommitteeMember, *,
                  actor: int | None) -> None:
    """The member leaves; their stances and approvals stay in the record."""
    if _substitutes_of(committee, member):
        raise MembershipError("member", "member_has_substitutes")
    member.active = False
    session.flush()
    _journal(session, committee, "committee.member.removed", f"member:{member.id}", actor,
             side=member.side)


def _check_account(committee: Committee, user: User, side: str) -> None:
    role = Role(user.role)
    if not user.active or role not in SEATED_ROLES:
        raise MembershipError("user", "member_role", username=user.username,
                              role=_(ROLE_LABELS[role]))
    if SIDE_OF_ROLE.get(role, side) != side:
        raise MembershipError("side", "member_wrong_side", username=user.username,
                              role=_(ROLE_LABELS[role]))
    if user.establishment_id not in covered_ids(committee):
        raise MembershipError("user", "member_not_covered", username=user.username)


def _check_seat(committee: Committee, side: str, voting: bool,
                substitute_for: CommitteeMember | None, member: CommitteeMember | None) -> None:
    if substitute_for is None:
        return
    if voting:
        raise MembershipError("substitute_for", "substitute_votes")
    if (substitute_for.committee_id != committee.id or not substitute_for.active
            or not substitute_for.voting or substitute_for.side != side
            or substitute_for is member):
        raise MembershipError("substitute_for", "substitute_seat")


def _substitutes_of(committee: Committee, member: CommitteeMember) -> list[CommitteeMember]:
    return [m for m in committee.members if m.active and m.substitute_for_id == member.id]


def _checked_email(email: str) -> str:
    address = email.strip()
    if address and not EMAIL.fullmatch(address):
        raise MembershipError("email", "email_invalid", email=address)
    return address


def _journal(session: Session, committee: Committee, action: str, subject: str,
             actor: int | None, **payload: object) -> None:
    append(session, action=action, subject=subject, payload=payload, actor_user_id=actor,
           establishment_id=committee.establishment_id)
