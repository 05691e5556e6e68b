"""Solve a Solomon VRPTW instance with PyVRP under the literature's convention.

The convention of the exact methods, against which ``best_known.csv`` gives optima:
the objective is total distance alone (the vehicle count is free up to the file's
fleet), distances and travel times are Euclidean truncated to one decimal. PyVRP
works on whole numbers, so every distance and time is held in tenths.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyvrp
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, StoppingCriterion

from balise.core.errors import BaliseError, InvalidInput
from balise.core.i18n import gettext as _
from balise.planner.solomon import Customer, SolomonInstance, read_solomon, travel_tenths

TENTHS = 10
LONGEST_TIME_LIMIT_S = 86_400.0


class NoFeasiblePlan(BaliseError):
    """The search ended without a plan that visits everyone within windows and capacity."""

    code = "planner_no_feasible_plan"

    def message(self) -> str:
        return _(
            "No feasible plan was found for {instance} within {seconds} s; "
            "allow more time with --time-limit."
        ).format(**self.params)


@dataclass(frozen=True)
class Plan:
    """Routes as customer numbers of the file, in visit order, depot left out."""

    routes: tuple[tuple[int, ...], ...]
    distance_tenths: int

    @property
    def vehicles(self) -> int:
        return len(self.routes)

    @property
    def distance(self) -> float:
        """In the file's units; one decimal is exact under the convention."""
        return self.distance_tenths / TENTHS

    def as_dict(self) -> dict[str, Any]:
        return {
            "vehicles": self.vehicles,
            "distance": self.distance,
            "routes": [list(route) for route in self.routes],
        }


def solve_solomon(path: str | Path, time_limit_s: float, seed: int = 1) -> dict[str, Any]:
    """What ``balise plan --solomon FILE --json`` prints."""
    return solve_instance(read_solomon(path), time_limit_s, seed).as_dict()


def solve_instance(
    instance: SolomonInstance, time_limit_s: float, seed: int = 1, *,
    iterations: int | None = None,
) -> Plan:
    """Searches until the time limit, or ``iterations`` if that comes first.

    A time limit gives a plan that depends on how busy the machine is; an iteration
    count with a seed gives the same plan everywhere, which tests and audits need.
    """
    if not 0 < time_limit_s <= LONGEST_TIME_LIMIT_S:
        raise InvalidInput("time_limit", "out_of_range", low=0, high=int(LONGEST_TIME_LIMIT_S))
    started = time.perf_counter()
    data = build_data(instance)
    # Building the data counts against the budget: the caller asked for S seconds in all.
    remaining = max(0.0, time_limit_s - (time.perf_counter() - started))
    stop: list[StoppingCriterion] = [MaxRuntime(remaining)]
    if iterations is not None:
        stop.append(MaxIterations(iterations))
    with warnings.catch_warnings():
        # PyVRP warns in English when it struggles to get feasible; the user hears it
        # as NoFeasiblePlan instead, in their language, if the search does end infeasible.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = pyvrp.solve(data, MultipleCriteria(stop), seed=seed, collect_stats=False)
    if not result.is_feasible():
        raise NoFeasiblePlan(instance=instance.name, seconds=time_limit_s)
    return _plan_from(result.best, instance.customers)


def build_data(instance: SolomonInstance) -> pyvrp.ProblemData:
    model = pyvrp.Model()
    depot = instance.depot
    sites = [model.add_location(depot.x, depot.y, name=str(depot.number))]
    model_depot = model.add_depot(
        sites[0], tw_early=depot.ready * TENTHS, tw_late=depot.due * TENTHS
    )
    for customer in instance.customers:
        site = model.add_location(customer.x, customer.y, name=str(customer.number))
        sites.append(site)
        model.add_client(
            site,
            delivery=customer.demand,
            service_duration=customer.service * TENTHS,
            tw_early=customer.ready * TENTHS,
            tw_late=customer.due * TENTHS,
            name=str(customer.number),
        )
    model.add_vehicle_type(
        num_available=instance.vehicles,
        capacity=instance.capacity,
        start_depot=model_depot,
        end_depot=model_depot,
        tw_early=depot.ready * TENTHS,
        tw_late=depot.due * TENTHS,
    )
    _add_edges(model, sites, (depot, *instance.customers))
    return model.data()


def _add_edges(
    model: pyvrp.Model, sites: list[pyvrp.Location], points: tuple[Customer, ...]
) -> None:
    # Travel time equals distance in Solomon's data, so both come from one matrix.
    for frm, a in zip(sites, points, strict=True):
        for to, b in zip(sites, points, strict=True):
            if frm is not to:
                tenths = travel_tenths(a, b)
                model.add_edge(frm, to, distance=tenths, duration=tenths)


def _plan_from(solution: pyvrp.Solution, customers: tuple[Customer, ...]) -> Plan:
    routes = tuple(
        tuple(customers[visit.idx].number for visit in route if visit.is_client())
        for route in solution.routes()
    )
    return Plan(routes, solution.distance())
