"""Consensus, as a pure rule over plain data.

A proposal is adopted when the committee is properly constituted (as many voting
members on each side, at least one), every voting seat has taken a stance on the
current version, nobody blocks, and each side reaches its quorum. A side's quorum is
the number of its voting members who agree (with or without reservations): by default
more than half of the side's voting seats. Standing aside is a stance, so it lets the
proposal go on, but it does not count toward the quorum.

A substitute may take the stance of the seat they replace when the titular member has
not; the titular member's own stance always wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from balise.core.errors import InvalidInput


class Outcome(StrEnum):
    NOT_CONSTITUTED = "not_constituted"
    WAITING = "waiting"  # stances missing
    BLOCKED = "blocked"
    NO_QUORUM = "no_quorum"
    EXPIRED = "expired"
    ADOPTED = "adopted"


AGREEING = frozenset({"agree", "reservations"})
NEEDS_REASON = frozenset({"reservations", "block"})
KINDS = frozenset({"agree", "reservations", "stand_aside", "block"})


@dataclass(frozen=True)
class Seat:
    member_id: int
    side: str  # "employer" or "union"
    voting: bool
    substitute_for: int | None = None


@dataclass(frozen=True)
class CastStance:
    member_id: int
    kind: str


@dataclass(frozen=True)
class Count:
    outcome: Outcome
    missing: tuple[int, ...]  # voting seats without a stance
    blocking: tuple[int, ...]
    agreeing: dict[str, int]
    quorum: dict[str, int]


def check_stance(kind: str, reason: str) -> None:
    if kind not in KINDS:
        raise InvalidInput("kind", "unknown_choice")
    if kind in NEEDS_REASON and not reason.strip():
        raise InvalidInput("reason", "required")


def voting_seats(seats: Iterable[Seat]) -> list[Seat]:
    return [s for s in seats if s.voting]


def constituted(seats: Iterable[Seat]) -> bool:
    voting = voting_seats(seats)
    employer = sum(1 for s in voting if s.side == "employer")
    union = sum(1 for s in voting if s.side == "union")
    return employer == union and employer > 0


def side_quorum(voting_on_side: int) -> int:
    return voting_on_side // 2 + 1


def effective_stances(seats: Iterable[Seat], stances: Iterable[CastStance]) -> dict[int, str]:
    """The stance that counts for each voting seat: the titular's latest, else their
    substitute's latest. ``stances`` come in time order."""
    seat_list = list(seats)
    titular: dict[int, str] = {}
    by_substitute: dict[int, str] = {}
    substitutes = {
        s.member_id: s.substitute_for for s in seat_list if s.substitute_for is not None
    }
    for stance in stances:
        replaced = substitutes.get(stance.member_id)
        if replaced is not None:
            by_substitute[replaced] = stance.kind
        else:
            titular[stance.member_id] = stance.kind
    counted: dict[int, str] = {}
    for seat in voting_seats(seat_list):
        kind = titular.get(seat.member_id) or by_substitute.get(seat.member_id)
        if kind:
            counted[seat.member_id] = kind
    return counted


def count(
    seats: Iterable[Seat],
    stances: Iterable[CastStance],
    *,
    deadline: date | None = None,
    today: date | None = None,
) -> Count:
    seat_list = list(seats)
    voting = voting_seats(seat_list)
    counted = effective_stances(seat_list, stances)
    missing = tuple(s.member_id for s in voting if s.member_id not in counted)
    blocking = tuple(m for m, kind in counted.items() if kind == "block")
    agreeing = {
        side: sum(1 for s in voting if s.side == side and counted.get(s.member_id) in AGREEING)
        for side in ("employer", "union")
    }
    quorum = {
        side: side_quorum(sum(1 for s in voting if s.side == side))
        for side in ("employer", "union")
    }
    if not constituted(seat_list):
        outcome = Outcome.NOT_CONSTITUTED
    elif blocking:
        outcome = Outcome.BLOCKED
    elif missing:
        expired = deadline is not None and today is not None and today > deadline
        outcome = Outcome.EXPIRED if expired else Outcome.WAITING
    elif any(agreeing[side] < quorum[side] for side in quorum):
        outcome = Outcome.NO_QUORUM
    else:
        outcome = Outcome.ADOPTED
    return Count(outcome, missing, blocking, agreeing, quorum)
