"""An independent feasibility checker for Solomon VRPTW plans.

Written apart from the planner on purpose: it reads the file itself, does its
arithmetic in decimals rather than in scaled integers, and imports nothing from
``balise.planner`` so that a shared mistake cannot hide. The benchmark script loads
this same file by path.

Convention (the exact-method literature's): each leg's distance is the Euclidean
distance truncated to one decimal; travel time equals that distance; service at a
customer starts at max(arrival, ready) and must not start after its due date; each
route leaves the depot at its ready time and returns no later than its due date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, localcontext
from pathlib import Path

TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Site:
    x: Decimal
    y: Decimal
    demand: Decimal
    ready: Decimal
    due: Decimal
    service: Decimal


@dataclass(frozen=True)
class Problem:
    vehicles: int
    capacity: Decimal
    sites: dict[int, Site]  # customer number -> site; 0 is the depot


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    distance: Decimal = Decimal(0)

    @property
    def feasible(self) -> bool:
        return not self.problems


def load(path: str | Path) -> Problem:
    """Reads only what the check needs; anything odd fails loudly."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    upper = [line.strip().upper() for line in lines]
    vehicle_row = _next_numeric_row(lines, upper.index("VEHICLE"))
    vehicles, capacity = (Decimal(v) for v in vehicle_row)
    sites: dict[int, Site] = {}
    for line in lines[upper.index("CUSTOMER") + 1 :]:
        cells = line.split()
        if len(cells) == 7 and cells[0].isdigit():
            number, *rest = (Decimal(c) for c in cells)
            sites[int(number)] = Site(*rest)
    return Problem(int(vehicles), capacity, sites)


def _next_numeric_row(lines: list[str], after: int) -> list[str]:
    for line in lines[after + 1 :]:
        cells = line.split()
        if cells and cells[0].isdigit():
            return cells
    raise ValueError("no VEHICLE data row")


def leg(a: Site, b: Site) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 40
        exact = ((a.x - b.x) ** 2 + (a.y - b.y) ** 2).sqrt()
    return exact.quantize(TENTH, rounding=ROUND_DOWN)


def check(problem: Problem, routes: list[list[int]], first_n: int | None = None) -> Report:
    """Every problem found, not just the first; ``first_n`` checks a prefix instance."""
    report = Report()
    wanted = {n for n in problem.sites if n != 0 and (first_n is None or n <= first_n)}
    _check_visits(routes, wanted, report)
    if len(routes) > problem.vehicles:
        report.problems.append(f"{len(routes)} routes but only {problem.vehicles} vehicles")
    for index, route in enumerate(routes):
        if not route:
            report.problems.append(f"route {index} is empty")
        if all(n in wanted for n in route):
            _check_route(problem, index, route, report)
    return report


def _check_visits(routes: list[list[int]], wanted: set[int], report: Report) -> None:
    seen: list[int] = [n for route in routes for n in route]
    for number in sorted(set(seen) - wanted):
        report.problems.append(f"customer {number} is not in the instance")
    for number in sorted(wanted - set(seen)):
        report.problems.append(f"customer {number} is never visited")
    for number in sorted({n for n in seen if seen.count(n) > 1}):
        report.problems.append(f"customer {number} is visited {seen.count(number)} times")


def _check_route(problem: Problem, index: int, route: list[int], report: Report) -> None:
    depot = problem.sites[0]
    load = sum((problem.sites[n].demand for n in route), Decimal(0))
    if load > problem.capacity:
        report.problems.append(f"route {index} carries {load} > capacity {problem.capacity}")
    clock, here = depot.ready, depot
    for number in route:
        there = problem.sites[number]
        report.distance += leg(here, there)
        arrival = clock + leg(here, there)
        if arrival > there.due:
            report.problems.append(
                f"route {index}: customer {number} reached at {arrival} after due {there.due}"
            )
        clock, here = max(arrival, there.ready) + there.service, there
    report.distance += leg(here, depot)
    back = clock + leg(here, depot)
    if back > depot.due:
        report.problems.append(f"route {index} returns at {back} after depot due {depot.due}")


def check_file(path: str | Path, routes: list[list[int]], claimed_distance: float | None = None,
               first_n: int | None = None) -> Report:
    """Checks a plan and, when given, that its claimed distance is the recomputed one."""
    report = check(load(path), routes, first_n)
    if claimed_distance is not None and Decimal(str(claimed_distance)) != report.distance:
        report.problems.append(
            f"claimed distance {claimed_distance} but the routes measure {report.distance}"
        )
    return report
