"""How the validator times a route from its visits: departure, arrivals, return.

A solution file states the start and end of each visit; the depot departure and the
arrivals follow from the travel times. The departure is the first start minus the travel
to it, each arrival the previous end plus the travel, the return the last end plus the
travel home. A lunch is taken at its patient's address, except that a lunch opening or
closing a route at a patient nobody visits counts as taken at the departure depot.
"""

from __future__ import annotations

from dataclasses import dataclass

from balise.planner.uhhc.instance import Instance, Patient
from balise.planner.uhhc.solution import Solution, Visit


@dataclass
class TimedRoute:
    departure: float
    back: float  # arrival at the arrival point
    reach: list[float]  # earliest arrival at each visit by travel alone
    arrivals: list[float]  # the arrival used for waiting: the file's, or ``reach``


def visited_patients(solution: Solution) -> set[str]:
    return {v.patient for r in solution.routes for v in r.visits or () if not v.is_lunch}


def time_route(instance: Instance, caregiver: str, visits: tuple[Visit, ...],
               visited: set[str]) -> TimedRoute:
    """Times of a non-empty route of a known caregiver."""
    c = instance.caregivers_by_id()[caregiver]
    terminals = instance.terminals_by_id()
    patients = instance.patients_by_id()
    dist = instance.distances
    depot = terminals[c.departing_point].location
    first, last = visits[0], visits[-1]
    first_loc = depot if first.is_lunch and first.patient not in visited else _loc(
        patients, first.patient, depot)
    departure = first.start - dist[depot][first_loc]
    reach = [departure + dist[depot][first_loc]]
    for i in range(1, len(visits)):
        travel = dist[_loc(patients, visits[i - 1].patient, depot)][
            _loc(patients, visits[i].patient, depot)]
        reach.append(visits[i - 1].end + travel)
    # A stated arrival replaces the computed one (the validator keeps a non-zero one).
    arrivals = [v.arrival if v.arrival else reach[i] for i, v in enumerate(visits)]
    last_loc = depot if last.is_lunch and last.patient not in visited else _loc(
        patients, last.patient, depot)
    back = last.end + dist[last_loc][terminals[c.arrival_point].location]
    return TimedRoute(departure, back, reach, arrivals)


def _loc(patients: dict[str, Patient], patient: str, depot: int) -> int:
    p = patients.get(patient)
    return p.location if p is not None else depot
