"""Solomon VRPTW: the reader refuses bad files clearly, the planner's plans pass the
independent checker and reach known optima under the truncated-one-decimal convention."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable
from dataclasses import astuple
from pathlib import Path

import pytest

from balise.core.errors import ImportRowError, InvalidInput
from balise.core.i18n import catalog, language
from balise.planner.solomon import (
    REASONS,
    Customer,
    SolomonFileError,
    SolomonFormatError,
    SolomonInstance,
    parse_solomon,
    read_solomon,
    travel_tenths,
)
from balise.planner.vrptw import NoFeasiblePlan, Plan, solve_instance, solve_solomon
from tests.shared_data import SHARED

from . import solomon_check

DATA = Path(os.environ.get("BALISE_VRPTW_DATA", SHARED / "data" / "vrptw"))
INSTANCES = sorted(DATA.glob("*.txt"))
C101 = DATA / "C101.txt"


def _optimum(name: str) -> float:
    with (DATA / "best_known.csv").open(encoding="utf-8") as handle:
        rows = {row["instance"]: row for row in csv.DictReader(handle)}
    return float(rows[name]["optimal_distance_truncated"])


# --- reader -------------------------------------------------------------------------

def test_reads_c101_fleet_depot_and_customers() -> None:
    instance = read_solomon(C101)
    assert (instance.name, instance.vehicles, instance.capacity) == ("C101", 25, 200)
    assert instance.depot == Customer(0, 40, 50, 0, 0, 1236, 0)
    assert len(instance.customers) == 100
    assert instance.customers[0] == Customer(1, 45, 68, 10, 912, 967, 90)
    assert instance.customers[-1].number == 100


@pytest.mark.parametrize("path", INSTANCES, ids=lambda p: p.stem)
def test_reader_agrees_with_the_checkers_own_parse(path: Path) -> None:
    instance = read_solomon(path)
    problem = solomon_check.load(path)
    assert (instance.vehicles, instance.capacity) == (problem.vehicles, int(problem.capacity))
    for customer in (instance.depot, *instance.customers):
        site = problem.sites[customer.number]
        assert astuple(customer)[1:] == tuple(int(v) for v in astuple(site))
    assert len(problem.sites) == len(instance.customers) + 1


def test_there_are_56_instances() -> None:
    assert len(INSTANCES) == 56


@pytest.mark.parametrize(
    ("a", "b", "tenths"),
    [
        ((0, 0), (3, 4), 50),   # a whole distance keeps its last tenth
        ((0, 0), (1, 1), 14),   # 1.414… truncates, never rounds up
        ((0, 0), (2, 3), 36),   # 3.605… truncates to 3.6
        ((5, 5), (5, 5), 0),
    ],
)
def test_travel_is_truncated_to_one_decimal(a: tuple[int, int], b: tuple[int, int],
                                            tenths: int) -> None:
    def at(x: int, y: int) -> Customer:
        return Customer(1, x, y, 0, 0, 0, 0)

    assert travel_tenths(at(*a), at(*b)) == tenths


def _replace_line(number: int, new: str) -> Callable[[list[str]], None]:
    def edit(lines: list[str]) -> None:
        lines[number - 1] = new
    return edit


def _set_cell(number: int, cell: int, value: str) -> Callable[[list[str]], None]:
    def edit(lines: list[str]) -> None:
        cells = lines[number - 1].split()
        cells[cell] = value
        lines[number - 1] = "  ".join(cells)
    return edit


# C101.txt: line 5 is the VEHICLE row, line 7 "CUSTOMER", line 10 the depot, line 11
# customer 1 (45 68 10 912 967 90), line 13 customer 3.
MALFORMED = [
    # (case, edit, line, field, code)
    ("letter in a due date", _set_cell(11, 5, "96x"), 11, "DUE DATE", "not_whole_number"),
    ("half unit coordinate", _set_cell(11, 1, "45.5"), 11, "XCOORD.", "not_whole_number"),
    ("row cut short", _replace_line(12, "  2  45  70  30  825  870"), 12, "SERVICE TIME",
     "missing_field"),
    ("row too long", _replace_line(13, "3 42 66 10 65 146 90 7"), 13, "SERVICE TIME",
     "extra_field"),
    ("customer number twice", _set_cell(14, 0, "3"), 14, "CUST NO.", "duplicate_customer"),
    ("window closes before it opens", _set_cell(11, 5, "900"), 11, "DUE DATE",
     "due_before_ready"),
    ("demand above capacity", _set_cell(11, 3, "250"), 11, "DEMAND", "demand_over_capacity"),
    ("negative service time", _set_cell(11, 6, "-90"), 11, "SERVICE TIME", "negative"),
    ("depot missing", _set_cell(10, 0, "101"), 10, "CUST NO.", "depot_first"),
    ("no vehicles", _replace_line(5, "   0   200"), 5, "NUMBER", "not_positive"),
    ("capacity missing", _replace_line(5, "   25"), 5, "CAPACITY", "missing_field"),
    ("customer section missing", _replace_line(7, "CUSTOMERS"), 110, "CUSTOMER",
     "missing_section"),
]


@pytest.mark.parametrize(("case", "edit", "line", "field", "code"), MALFORMED,
                         ids=[case for case, *_ in MALFORMED])
def test_malformed_file_names_line_and_field(case: str, edit: Callable[[list[str]], None],
                                             line: int, field: str, code: str) -> None:
    lines = C101.read_text(encoding="utf-8").splitlines()
    edit(lines)
    with pytest.raises(SolomonFormatError) as caught:
        parse_solomon("\n".join(lines), "C101.txt")
    error = caught.value
    assert (error.line, error.column, error.code) == (line, field, code)
    assert isinstance(error, ImportRowError)
    with language("en"):
        assert str(error).startswith(f"C101.txt, line {line}, field {field} (")
    with language("fr"):
        assert str(error).startswith(f"C101.txt, ligne {line}, champ {field} (")


def test_duplicate_names_the_first_line_in_both_languages() -> None:
    lines = C101.read_text(encoding="utf-8").splitlines()
    _set_cell(14, 0, "3")(lines)
    with pytest.raises(SolomonFormatError) as caught:
        parse_solomon("\n".join(lines), "C101.txt")
    with language("en"):
        assert "customer 3 appears twice (first on line 13)" in str(caught.value)
    with language("fr"):
        assert "le client 3 apparaît deux fois (d'abord à la ligne 13)" in str(caught.value)


def test_decimal_copies_of_whole_numbers_are_accepted() -> None:
    text = C101.read_text(encoding="utf-8").replace("   40         50  ", "   40.00  50.0 ", 1)
    assert parse_solomon(text, "C101.txt").depot.x == 40


@pytest.mark.parametrize("code", sorted(REASONS))
def test_every_reason_has_a_french_translation(code: str) -> None:
    assert REASONS[code] in catalog("fr")
    assert catalog("fr")[REASONS[code]] != REASONS[code]


def test_empty_file_is_refused() -> None:
    with pytest.raises(SolomonFormatError) as caught:
        parse_solomon("\n  \n", "empty.txt")
    assert (caught.value.line, caught.value.code) == (1, "empty_file")


def test_missing_file_says_which(tmp_path: Path) -> None:
    with pytest.raises(SolomonFileError) as caught:
        read_solomon(tmp_path / "nowhere.txt")
    with language("fr"):
        assert "nowhere.txt ne peut pas être lu" in str(caught.value)


# --- the independent checker can fail -----------------------------------------------

# Quality assertions stop on iterations, not on the clock, so that a busy machine
# cannot fail them; the generous time limit is only a safety net.
SAFETY_S = 60.0


@pytest.fixture(scope="module")
def c101_25() -> Plan:
    return solve_instance(read_solomon(C101).prefix(25), SAFETY_S, iterations=200)


def _problems(routes: list[list[int]], distance: float | None = None) -> list[str]:
    return solomon_check.check_file(C101, routes, distance, first_n=25).problems


def test_checker_accepts_the_planners_plan(c101_25: Plan) -> None:
    routes = [list(r) for r in c101_25.routes]
    assert _problems(routes, c101_25.distance) == []


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        # (how the plan is broken, what the checker must say)
        (lambda rs: rs[0].pop(), "never visited"),
        (lambda rs: rs[1].append(rs[0][0]), "visited 2 times"),
        (lambda rs: rs[0].append(99), "not in the instance"),
        (lambda rs: rs[0].reverse(), "after due"),
        (lambda rs: [rs[0].extend(rs.pop()) for _ in range(len(rs) - 1)], "capacity"),
        (lambda rs: rs.extend([[] for _ in range(25)]), "only 25 vehicles"),
    ],
    ids=["dropped", "twice", "stranger", "reversed", "one-truck", "too-many-routes"],
)
def test_checker_catches_a_broken_plan(c101_25: Plan, breakage: Callable[[list[list[int]]], object],
                                       expected: str) -> None:
    routes = [list(r) for r in c101_25.routes]
    breakage(routes)
    assert any(expected in problem for problem in _problems(routes))


@pytest.mark.parametrize(
    ("depot_due", "problems"),
    [
        # The customer opens at 10: arrive at 5, wait, serve 10-12, back at 17. Had the
        # checker served on arrival, it would see the van back at 12 and pass both.
        (17, []),
        (16, ["route 0 returns at 17.0 after depot due 16"]),
    ],
)
def test_checker_makes_the_van_wait_for_the_window(tmp_path: Path, depot_due: int,
                                                   problems: list[str]) -> None:
    tiny = tmp_path / "TINY.txt"
    tiny.write_text(
        "TINY\nVEHICLE\nNUMBER CAPACITY\n 1 10\nCUSTOMER\n"
        "CUST NO. XCOORD. YCOORD. DEMAND READY TIME DUE DATE SERVICE TIME\n"
        f" 0 0 0 0 0 {depot_due} 0\n 1 3 4 1 10 12 2\n",
        encoding="utf-8",
    )
    report = solomon_check.check_file(tiny, [[1]], 10.0)
    assert report.problems == problems


def test_checker_catches_a_wrong_distance(c101_25: Plan) -> None:
    routes = [list(r) for r in c101_25.routes]
    assert any("claimed distance" in p for p in _problems(routes, c101_25.distance - 0.1))


# --- planner ------------------------------------------------------------------------

# Optima of Solomon's 25-customer instances (the first 25 customers of each file), as
# tabulated by the exact-method literature under the truncated-one-decimal convention.
OPTIMA_25 = {"C101": 191.3, "R101": 617.1, "RC101": 461.1, "R201": 463.3, "C201": 214.7}


@pytest.mark.parametrize("name", sorted(OPTIMA_25))
def test_first_25_customers_reach_the_optimum(name: str) -> None:
    plan = solve_instance(read_solomon(DATA / f"{name}.txt").prefix(25), SAFETY_S,
                          iterations=1000)
    report = solomon_check.check_file(DATA / f"{name}.txt", [list(r) for r in plan.routes],
                                      plan.distance, first_n=25)
    assert report.problems == []
    assert plan.distance == pytest.approx(OPTIMA_25[name], abs=1e-9)


def test_c101_reaches_its_optimal_distance() -> None:
    plan = solve_instance(read_solomon(C101), SAFETY_S, iterations=500)
    routes = [list(r) for r in plan.routes]
    assert solomon_check.check_file(C101, routes, plan.distance).problems == []
    assert plan.vehicles == 10
    assert plan.distance == pytest.approx(_optimum("C101"), abs=1e-9)


@pytest.mark.parametrize("name", ["R101", "RC101"])
def test_full_instance_is_feasible_and_near_optimal(name: str) -> None:
    plan = solve_instance(read_solomon(DATA / f"{name}.txt"), SAFETY_S, iterations=2000)
    routes = [list(r) for r in plan.routes]
    report = solomon_check.check_file(DATA / f"{name}.txt", routes, plan.distance)
    assert report.problems == []
    optimum = _optimum(name)
    # Below the optimum would mean a constraint is missing from the model.
    assert optimum - 1e-9 <= plan.distance <= optimum * 1.03


def test_solve_solomon_prints_what_the_cli_promises() -> None:
    # C101 is feasible from PyVRP's first local search, so a loaded machine cannot fail this.
    result = solve_solomon(C101, time_limit_s=1.0)
    assert set(result) == {"vehicles", "distance", "routes"}
    assert json.loads(json.dumps(result)) == result
    assert result["vehicles"] == len(result["routes"])
    report = solomon_check.check_file(C101, result["routes"], result["distance"])
    assert report.problems == []
    assert result["distance"] >= _optimum("C101") - 1e-9


def test_same_seed_and_iterations_give_the_same_plan() -> None:
    instance = read_solomon(DATA / "R101.txt").prefix(50)
    first = solve_instance(instance, SAFETY_S, seed=7, iterations=300)
    assert solve_instance(instance, SAFETY_S, seed=7, iterations=300) == first


def test_routes_carry_the_files_customer_numbers() -> None:
    shifted = SolomonInstance(
        "shifted", 2, 10, Customer(0, 0, 0, 0, 0, 1000, 0),
        (Customer(17, 3, 4, 5, 0, 1000, 0), Customer(42, 6, 8, 5, 0, 1000, 0)),
    )
    plan = solve_instance(shifted, SAFETY_S, iterations=50)
    assert sorted(n for route in plan.routes for n in route) == [17, 42]
    assert plan.distance == 20.0


def test_unreachable_window_gives_no_feasible_plan() -> None:
    hopeless = SolomonInstance(
        "hopeless", 1, 10, Customer(0, 0, 0, 0, 0, 1000, 0),
        (Customer(1, 100, 0, 1, 0, 10, 0),),
    )
    with pytest.raises(NoFeasiblePlan) as caught, language("fr"):
        solve_instance(hopeless, time_limit_s=0.2)
    with language("fr"):
        assert "Aucun plan réalisable" in str(caught.value)


@pytest.mark.parametrize("seconds", [0, -1])
def test_time_limit_must_be_positive(seconds: float) -> None:
    with pytest.raises(InvalidInput) as caught:
        solve_instance(read_solomon(C101), time_limit_s=seconds)
    assert caught.value.field == "time_limit"
