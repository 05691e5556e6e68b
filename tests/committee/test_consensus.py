"""The consensus rule, case by case (pure data, no database)."""

from __future__ import annotations

from datetime import date

import pytest

from balise.committee.consensus import (
    CastStance,
    Outcome,
    Seat,
    check_stance,
    constituted,
    count,
)
from balise.core.errors import InvalidInput

# Two voting seats per side (1, 2 employer; 3, 4 union), a non-voting observer (5) and a
# union substitute (6) for seat 3.
SEATS = [
    Seat(1, "employer", True), Seat(2, "employer", True),
    Seat(3, "union", True), Seat(4, "union", True),
    Seat(5, "union", False), Seat(6, "union", False, substitute_for=3),
]


def stances(*pairs: tuple[int, str]) -> list[CastStance]:
    return [CastStance(member, kind) for member, kind in pairs]


@pytest.mark.parametrize(("cast", "outcome"), [
    # everybody agrees: adopted
    (stances((1, "agree"), (2, "agree"), (3, "agree"), (4, "agree")), Outcome.ADOPTED),
    # reservations still count as agreeing
    (stances((1, "reservations"), (2, "agree"), (3, "agree"), (4, "reservations")),
     Outcome.ADOPTED),
    # one seat has not spoken: waiting
    (stances((1, "agree"), (2, "agree"), (3, "agree")), Outcome.WAITING),
    # a single block keeps it open, whatever the others say
    (stances((1, "agree"), (2, "agree"), (3, "agree"), (4, "block")), Outcome.BLOCKED),
    # a block before everyone has spoken is already a block
    (stances((1, "block")), Outcome.BLOCKED),
    # one side stands aside entirely: that side has no quorum
    (stances((1, "agree"), (2, "agree"), (3, "stand_aside"), (4, "stand_aside")),
     Outcome.NO_QUORUM),
    # one member of each side stands aside: 1 of 2 agreeing is not more than half
    (stances((1, "agree"), (2, "stand_aside"), (3, "agree"), (4, "stand_aside")),
     Outcome.NO_QUORUM),
    # the observer's stance does not fill a seat
    (stances((1, "agree"), (2, "agree"), (4, "agree"), (5, "agree")), Outcome.WAITING),
    # the substitute fills the seat of the absent titular member
    (stances((1, "agree"), (2, "agree"), (6, "agree"), (4, "agree")), Outcome.ADOPTED),
    # the titular member's own stance wins over their substitute's
    (stances((1, "agree"), (2, "agree"), (6, "agree"), (3, "block"), (4, "agree")),
     Outcome.BLOCKED),
    # a changed mind: the latest stance of a member counts
    (stances((1, "block"), (1, "agree"), (2, "agree"), (3, "agree"), (4, "agree")),
     Outcome.ADOPTED),
])
def test_consensus_outcome(cast: list[CastStance], outcome: Outcome) -> None:
    assert count(SEATS, cast).outcome == outcome


def test_unequal_sides_cannot_adopt() -> None:
    seats = [*SEATS, Seat(7, "employer", True)]
    assert not constituted(seats)
    everyone = stances(*((m, "agree") for m in (1, 2, 3, 4, 7)))
    assert count(seats, everyone).outcome == Outcome.NOT_CONSTITUTED


def test_empty_committee_is_not_constituted() -> None:
    assert not constituted([])


def test_missing_stances_after_the_deadline_expire() -> None:
    result = count(SEATS, stances((1, "agree")), deadline=date(2026, 11, 1),
                   today=date(2026, 11, 2))
    assert result.outcome == Outcome.EXPIRED
    assert set(result.missing) == {2, 3, 4}


@pytest.mark.parametrize(("kind", "reason", "ok"), [
    ("agree", "", True),
    ("stand_aside", "", True),
    ("reservations", "", False),        # reservations need a reason
    ("block", "   ", False),            # so does a block; blanks are not a reason
    ("block", "Charge trop lourde pour l'équipe de soir", True),
    ("abstain", "", False),             # not a stance Balise knows
])
def test_stances_that_need_a_reason(kind: str, reason: str, ok: bool) -> None:
    if ok:
        check_stance(kind, reason)
    else:
        with pytest.raises(InvalidInput):
            check_stance(kind, reason)
