"""Balise's evaluation equals the authors' validator on every published solution."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from balise.planner.uhhc.evaluate import evaluate
from balise.planner.uhhc.reader import parse_instance, read_instance
from balise.planner.uhhc.solution import Route, Solution, Visit, read_solution
from balise.planner.uhhc.toolbox import run_toolbox
from tests.planner.uhhc.data import published_solutions, tiny

PUBLISHED = published_solutions()


def test_there_are_59_published_solutions() -> None:
    assert len(PUBLISHED) == 59
    assert sum(1 for name, *_ in PUBLISHED if name.startswith("i-")) == 9


@pytest.mark.parametrize(("name", "instance", "solution", "reference"), PUBLISHED,
                         ids=[p[0] for p in PUBLISHED])
def test_total_equals_the_published_cost(
    name: str, instance: Path, solution: Path, reference: float
) -> None:
    result = evaluate(read_instance(instance), read_solution(solution))
    assert result.feasible, [str(v) for v in result.violations]
    # reference.csv keeps 3 decimals of the validator's total (exact for UHHC: whole numbers).
    assert math.isclose(result.total, reference, abs_tol=5e-4)


# One of each family and size; the validator takes about 0.7 s a run.
SAMPLE = ["i-116", "i-235", "i-054", "A1", "B3", "C5", "D7", "E10"]


@pytest.mark.parametrize("name", SAMPLE)
def test_total_is_bit_for_bit_the_validators(name: str) -> None:
    _, instance, solution, _ = next(p for p in PUBLISHED if p[0] == name)
    verdict = run_toolbox(instance, solution)
    assert verdict.accepted, verdict.failures
    ours = evaluate(read_instance(instance), read_solution(solution))
    assert ours.total == verdict.total


def test_components_of_a_simulated_annealing_solution() -> None:
    _, instance, solution, _ = next(p for p in PUBLISHED if p[0] == "i-116")
    result = evaluate(read_instance(instance), read_solution(solution))
    # The published file lists the weighted components of its cost.
    assert result.weighted["highest_tardiness"] == 815
    assert result.weighted["max_idle_time"] == 12240
    assert result.weighted["travel_time"] == 410
    assert result.values["optional_patients"] == 2
    assert result.total == 17393


def _tiny_solution(*routes: tuple[str, list[Visit]]) -> Solution:
    return Solution(tuple(Route(c, tuple(v)) for c, v in routes))


def test_a_hand_made_plan_is_costed_by_hand() -> None:
    instance = parse_instance(tiny())
    plan = _tiny_solution(
        # c1: p1 (s0) at 20, p0 at 60 (travel 12 after ending at 35: arrives 47, waits 13).
        ("c1", [Visit("p1", "s0", 20, 35), Visit("p0", "s0", 60, 75)]),
        ("c2", [Visit("p1", "s1", 20, 40)]),
    )
    result = evaluate(instance, plan)
    assert result.feasible, [str(v) for v in result.violations]
    assert result.values["travel_time"] == 20 + 12 + 10 + 20 + 20
    assert result.values["total_waiting_time"] == 13
    assert result.values["optional_patients"] == 1  # p2 left out
    assert result.values["total_tardiness"] == 0
    assert result.total == 82 + 13 + 100


@pytest.mark.parametrize(("plan", "code"), [
    # p0 is mandatory and left out.
    ([("c1", [Visit("p1", "s0", 20, 35)]), ("c2", [Visit("p1", "s1", 20, 40)])],
     "not_scheduled"),
    # The simultaneous services of p1 start apart.
    ([("c1", [Visit("p1", "s0", 20, 35), Visit("p0", "s0", 60, 75)]),
      ("c2", [Visit("p1", "s1", 25, 45)])], "not_simultaneous"),
    # c2 lacks skill s0.
    ([("c1", [Visit("p1", "s1", 20, 40), Visit("p0", "s0", 60, 75)]),
      ("c2", [Visit("p1", "s0", 20, 35)])], "unqualified"),
    # c1 cannot reach p0 by 40 after ending p1 at 35 (travel 12).
    ([("c1", [Visit("p1", "s0", 20, 35), Visit("p0", "s0", 40, 55)]),
      ("c2", [Visit("p1", "s1", 20, 40)])], "travel"),
    # A service shorter than required.
    ([("c1", [Visit("p1", "s0", 20, 30), Visit("p0", "s0", 60, 75)]),
      ("c2", [Visit("p1", "s1", 20, 40)])], "too_short"),
    # Served before the window opens.
    ([("c1", [Visit("p1", "s0", 20, 35), Visit("p0", "s0", 50, 65)]),
      ("c2", [Visit("p1", "s1", 20, 40)])], "before_window"),
])
def test_broken_plans_are_flagged(plan: list[tuple[str, list[Visit]]], code: str) -> None:
    result = evaluate(parse_instance(tiny()), _tiny_solution(*plan))
    assert code in {v.code for v in result.violations}
    assert all(str(v) for v in result.violations)
