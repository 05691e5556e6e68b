"""Small cells and their complements: no hidden group under k recoverable by subtraction."""

from __future__ import annotations

import itertools

import pytest

from balise.indicators.disclosure import (
    K_DISTRIBUTIONS,
    Cell,
    Reason,
    Table,
    suppress_complementary,
    threshold,
)

SHOWN, TOO_FEW, COMPLEMENT = Reason.SHOWN, Reason.TOO_FEW, Reason.COMPLEMENT


def _reasons(table: Table[str, float]) -> dict[str, Reason]:
    found = {key: cell.reason for key, cell in table.cells.items()}
    if table.total is not None:
        found["total"] = table.total.reason
    return found


def _total(cells: dict[str, int]) -> tuple[float, int]:
    # The value does not matter to the rules; each cell's value is its n here.
    return float(sum(cells.values())), sum(cells.values())


CASES = [
    # (cells as key -> n, published elsewhere, expected reasons), with k = 5
    pytest.param({"A": 6, "B": 7, "C": 9}, (),
                 {"A": SHOWN, "B": SHOWN, "C": SHOWN, "total": SHOWN},
                 id="nothing hidden, nothing extra"),
    pytest.param({"A": 4, "B": 7, "C": 6}, (),
                 {"A": TOO_FEW, "B": SHOWN, "C": COMPLEMENT, "total": SHOWN},
                 id="one hidden: the next smallest goes with it"),
    pytest.param({"A": 3, "B": 4, "C": 9}, (),
                 {"A": TOO_FEW, "B": TOO_FEW, "C": SHOWN, "total": SHOWN},
                 id="two hidden, 7 together: fine"),
    pytest.param({"A": 1, "B": 2, "C": 9, "D": 6}, (),
                 {"A": TOO_FEW, "B": TOO_FEW, "C": SHOWN, "D": COMPLEMENT, "total": SHOWN},
                 id="two hidden, 3 together: a third"),
    pytest.param({"A": 4, "B": 7, "C": 6}, ("B", "C"),
                 {"A": TOO_FEW, "B": SHOWN, "C": SHOWN, "total": COMPLEMENT},
                 id="complements shown elsewhere: the total goes"),
    pytest.param({"A": 4, "B": 7, "C": 6}, ("C",),
                 {"A": TOO_FEW, "B": COMPLEMENT, "C": SHOWN, "total": SHOWN},
                 id="the smallest shown elsewhere: the next one"),
    pytest.param({"A": 4}, (), {"A": TOO_FEW, "total": TOO_FEW},
                 id="one small cell: the total is as small"),
    pytest.param({"A": 0, "B": 6}, (), {"A": TOO_FEW, "B": SHOWN, "total": SHOWN},
                 id="an empty cell hides nobody"),
    pytest.param({"A": 2, "B": 2}, (), {"A": TOO_FEW, "B": TOO_FEW, "total": TOO_FEW},
                 id="everything small"),
    pytest.param({"A": 4, "B": 6, "C": 6}, (),
                 {"A": TOO_FEW, "B": COMPLEMENT, "C": SHOWN, "total": SHOWN},
                 id="ties: the first in the caller's order"),
]


@pytest.mark.parametrize(("sizes", "elsewhere", "expected"), CASES)
def test_complementary_suppression(sizes: dict[str, int], elsewhere: tuple[str, ...],
                                   expected: dict[str, Reason]) -> None:
    cells = {key: (float(n), n) for key, n in sizes.items()}
    table = suppress_complementary(cells, _total(sizes), published_elsewhere=elsewhere)
    assert _reasons(table) == expected
    _assert_nothing_small_recoverable(table, sizes)


def _assert_nothing_small_recoverable(table: Table[str, float], sizes: dict[str, int]) -> None:
    """The audit: whatever is shown, total − shown cells covers no group under 5."""
    for cell in table.cells.values():
        assert cell.suppressed == (cell.value is None)
    if table.total is None or table.total.suppressed:
        return
    hidden = sum(n for key, n in sizes.items() if table.cells[key].suppressed)
    assert hidden == 0 or hidden >= 5


@pytest.mark.parametrize("sizes", [dict(zip("ABCD", combo, strict=True)) for combo in
                                   itertools.product([0, 1, 3, 4, 5, 8], repeat=4)])
def test_no_group_under_k_is_ever_recoverable(sizes: dict[str, int]) -> None:
    cells = {key: (float(n), n) for key, n in sizes.items()}
    table = suppress_complementary(cells, _total(sizes))
    _assert_nothing_small_recoverable(table, sizes)
    assert all(table.cells[k].suppressed for k, n in sizes.items() if n < 5)


def test_without_a_total_only_small_cells_are_hidden() -> None:
    table = suppress_complementary({"A": (1.0, 4), "B": (2.0, 6)})
    assert table.total is None
    assert table.cells == {"A": Cell(None, 4, TOO_FEW), "B": Cell(2.0, 6)}


def test_distributions_use_their_own_threshold() -> None:
    cells = {"T1": ((3, 3, 2, 1, 0), 9), "T2": ((5, 3, 2, 1, 1), 12)}
    table = suppress_complementary(cells, ((8, 6, 4, 2, 1), 21), k=K_DISTRIBUTIONS)
    assert table.cells["T1"].suppressed and table.cells["T2"].reason == COMPLEMENT
    assert table.total is not None and table.total.value == (8, 6, 4, 2, 1)


def test_a_total_that_is_not_the_sum_of_its_cells_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="sum of the cells"):
        suppress_complementary({"A": (1.0, 6)}, (1.0, 9))


@pytest.mark.parametrize(("n", "shown"), [(0, False), (4, False), (5, True), (30, True)])
def test_threshold_alone(n: int, shown: bool) -> None:
    assert (threshold(12.5, n).value == 12.5) is shown
