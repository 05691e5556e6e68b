"""What a table of figures may show: small cells and their complements.

Two rules of statistical disclosure control (research/reliability.md §7.1):

* **Threshold** (primary suppression): a cell computed from fewer than ``k``
  contributors is hidden. ``k`` is :data:`K_MEANS` (5) for counts and means,
  :data:`K_DISTRIBUTIONS` (10) for answer distributions, where each answer option is a
  smaller group than the whole.
* **Complement** (secondary suppression): when a table also publishes its total, a
  hidden cell can be recomputed as ``total − shown cells`` (for a mean, from the sums
  ``mean × n``). What that subtraction reveals is the *group of all hidden cells*; it is
  harmless only when that group has at least ``k`` contributors. Otherwise a second
  cell is hidden — the smallest one, which costs the least information — and so on;
  when no cell can serve, the total is hidden instead.

A cell that some other page already shows on its own cannot serve as a complement:
hiding it here hides nothing. Callers name those cells in ``published_elsewhere``.
In Balise every survey campaign with enough respondents has its own results page, so
in the by-team tables the complement is always the total (see docs/surveys.md).

Differencing *between* tables built on different groupings (teams {4, 5, 6} against
teams {4, 5}) is :mod:`balise.indicators.differencing`'s work for indicator figures. For
surveys Balise publishes only fixed groupings (one campaign, one establishment's
campaigns of a month) and
:func:`balise.indicators.survey_queries.survey_series` pools only campaigns that are
publishable on their own, so no figure there depends on a hidden one. Successive
campaigns are different populations (each answers anonymously, people come and go),
so their difference is not one person's answer; a campaign's results are shown only
once it is over, so the same campaign is never published at two sizes.

Pure functions over plain data (STYLE.md "rules as pure functions").
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from balise.core.privacy import K_MIN

K_MEANS = K_MIN
K_DISTRIBUTIONS = 10

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class Reason(StrEnum):
    SHOWN = ""
    TOO_FEW = "too_few"  # primary: fewer than k contributors
    COMPLEMENT = "complement"  # secondary: hidden so that another cell stays hidden


@dataclass(frozen=True)
class Cell(Generic[T]):
    """A figure and how many contributed to it; ``value`` is None when hidden, so that
    no template can show it by mistake. ``n`` stays: how many answered is not an answer."""

    value: T | None
    n: int
    reason: Reason = Reason.SHOWN

    @property
    def suppressed(self) -> bool:
        return self.reason != Reason.SHOWN


@dataclass(frozen=True)
class Table(Generic[K, T]):
    cells: dict[K, Cell[T]]
    total: Cell[T] | None


def threshold(value: T, n: int, k: int = K_MEANS) -> Cell[T]:
    """The threshold rule alone, for a figure published without a total."""
    if n < k:
        return Cell(None, n, Reason.TOO_FEW)
    return Cell(value, n)


def suppress_complementary(
    cells: Mapping[K, tuple[T, int]],
    total: tuple[T, int] | None = None,
    *,
    k: int = K_MEANS,
    published_elsewhere: Collection[K] = (),
) -> Table[K, T]:
    """Hide small cells, then enough others (or the total) that no hidden group smaller
    than ``k`` can be recovered as ``total − shown``.

    ``cells`` maps each key to ``(value, n)``; ``total`` is ``(value, n)`` over the
    same contributors, so its ``n`` must be the sum of the cells' (a contributor left
    out of every cell would be a hidden cell nobody could see: list it as a cell).
    """
    hidden: dict[K, Reason] = {key: Reason.TOO_FEW for key, (_v, n) in cells.items() if n < k}
    if total is None:
        return Table(_cells(cells, hidden), None)
    total_value, total_n = total
    if total_n != sum(n for _v, n in cells.values()):
        raise ValueError("the total's n must be the sum of the cells' n")
    if total_n < k:
        return Table(_cells(cells, hidden), Cell(None, total_n, Reason.TOO_FEW))
    exposed = sum(cells[key][1] for key in hidden)
    # Smallest first: each complement costs the least information it can. Ties keep the
    # caller's order, so the same table always hides the same cells.
    elsewhere = set(published_elsewhere)
    candidates = sorted(
        (key for key in cells if key not in hidden and key not in elsewhere),
        key=lambda key: cells[key][1],
    )
    while 0 < exposed < k:
        if not candidates:
            return Table(_cells(cells, hidden), Cell(None, total_n, Reason.COMPLEMENT))
        key = candidates.pop(0)
        hidden[key] = Reason.COMPLEMENT
        exposed += cells[key][1]
    return Table(_cells(cells, hidden), Cell(total_value, total_n))


def _cells(cells: Mapping[K, tuple[T, int]], hidden: Mapping[K, Reason]) -> dict[K, Cell[T]]:
    return {key: Cell(None, n, hidden[key]) if key in hidden else Cell(value, n)
            for key, (value, n) in cells.items()}
