"""The hard constraints of a UHHC solution, each failure a translated violation.

These are the checks of the UHHC model as the authors' validator applies them, plus two
the paper states and the validator leaves out: simultaneous visits start together, and a
service is given once. A component weighted ``"HARD"`` — or, for skills, preferences,
incompatibilities, lunch and optional patients, absent from the instance — is a
constraint here, not a cost.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from balise.core.i18n import gettext as _
from balise.core.i18n import lazy
from balise.planner.uhhc.instance import Instance, Patient
from balise.planner.uhhc.solution import Solution, Visit
from balise.planner.uhhc.timing import time_route, visited_patients

MESSAGES: dict[str, str] = {
    "unknown_caregiver": lazy("The route of {caregiver} names a caregiver the instance does not have."),
    "duplicate_route": lazy("The caregiver {caregiver} has more than one route."),
    "empty_route": lazy("The route of {caregiver} has an empty list of locations; omit the caregiver or give no locations."),
    "unknown_patient": lazy("The route of {caregiver} visits {patient}, who is not in the instance."),
    "unknown_service": lazy("{patient} does not require the service {service} that {caregiver} gives."),
    "not_scheduled": lazy("{patient} is not optional but is not scheduled."),
    "service_missing": lazy("{patient} is visited but nobody gives the service {service}."),
    "service_twice": lazy("{patient} receives the service {service} more than once."),
    "end_not_after_start": lazy("{caregiver} ends a visit to {patient} ({end}) no later than it starts ({start})."),
    "too_short": lazy("{caregiver} gives {service} to {patient} for less than its duration."),
    "travel": lazy("{caregiver} cannot reach {patient} by {start}: the travel takes longer."),
    "early_arrival": lazy("{caregiver} starts at {patient} before arriving there."),
    "before_shift": lazy("{caregiver} leaves at {departure}, before the shift starts ({shift})."),
    "before_window": lazy("{patient} is served at {start}, before the first time window opens ({window})."),
    "sync_missing": lazy("{patient} needs two synchronised services; both must be given."),
    "not_simultaneous": lazy("The two services of {patient} must start together ({first} and {second})."),
    "sequence": lazy("The second service of {patient} must start between {low} and {high} minutes after the first; it starts {gap} minutes after."),
    "unqualified": lazy("{caregiver} is not qualified for {service} ({patient})."),
    "lunch_late": lazy("The lunch break of {caregiver} ends too late."),
    "lunch_early": lazy("The lunch break of {caregiver} starts before the lunch period."),
    "lunch_short": lazy("The lunch break of {caregiver} is shorter than the minimum."),
    "lunch_spec_missing": lazy("{caregiver} takes a lunch break but the instance defines no lunch period."),
    "lunch_missing": lazy("{caregiver} must take a lunch break."),
    "lunch_forbidden": lazy("{caregiver} takes a lunch break but is not entitled to one."),
    "not_preferred": lazy("{patient} must be served by a preferred caregiver, not {caregiver}."),
    "incompatible": lazy("{caregiver} is incompatible with {patient}."),
    "optional_unvisited": lazy("Every patient must be visited; {patient} is not."),
    "overtime": lazy("{caregiver} comes back after the end of the shift."),
    "late": lazy("{patient} is served late by {minutes} minutes; lateness is not allowed."),
}


@dataclass(frozen=True)
class Violation:
    code: str
    params: tuple[tuple[str, Any], ...]

    def message(self) -> str:
        return _(MESSAGES[self.code]).format(**dict(self.params))

    def __str__(self) -> str:
        return self.message()


def _v(code: str, **params: Any) -> Violation:
    return Violation(code, tuple(params.items()))


def check_solution(instance: Instance, solution: Solution) -> list[Violation]:
    out: list[Violation] = []
    w = instance.weights
    patients = instance.patients_by_id()
    caregivers = instance.caregivers_by_id()
    visited = visited_patients(solution)
    start_side = instance.time_window_met == "at_service_start"
    seen: set[str] = set()
    given: Counter[tuple[str, str]] = Counter()
    providers: dict[tuple[str, str], set[str]] = {}
    starts: dict[tuple[str, str], float] = {}
    lunching: set[str] = set()

    for route in solution.routes:
        cid = route.caregiver
        if cid not in caregivers:
            out.append(_v("unknown_caregiver", caregiver=cid))
            continue
        if cid in seen:
            out.append(_v("duplicate_route", caregiver=cid))
        seen.add(cid)
        c = caregivers[cid]
        if route.visits is None:
            continue
        if not route.visits:
            out.append(_v("empty_route", caregiver=cid))
            continue
        sound = True
        for v in route.visits:
            if v.end <= v.start:
                out.append(_v("end_not_after_start", caregiver=cid, patient=v.patient,
                              start=v.start, end=v.end))
            if v.is_lunch:
                out.extend(_lunch_checks(instance, cid, v, lunching))
                continue
            p = patients.get(v.patient)
            if p is None:
                out.append(_v("unknown_patient", caregiver=cid, patient=v.patient))
                sound = False
                continue
            durations = {rs.service: rs.duration for rs in p.required_services}
            if v.service not in durations:
                out.append(_v("unknown_service", caregiver=cid, patient=p.id, service=v.service))
                sound = False
                continue
            given[(p.id, v.service)] += 1
            providers.setdefault((p.id, v.service), set()).add(cid)
            starts[(p.id, v.service)] = v.start
            if v.end - v.start < durations[v.service]:
                out.append(_v("too_short", caregiver=cid, patient=p.id, service=v.service))
            if int(v.start) < int(p.time_windows[0].start):
                out.append(_v("before_window", patient=p.id, start=v.start,
                              window=p.time_windows[0].start))
            out.extend(_assignment_checks(instance, cid, p, v, start_side))
            if v.service not in c.abilities and w.is_hard("qualification"):
                out.append(_v("unqualified", caregiver=cid, service=v.service, patient=p.id))
        if any(v.is_lunch and v.patient not in patients for v in route.visits[1:-1]):
            sound = False  # the validator cannot place such a lunch
            out.append(_v("unknown_patient", caregiver=cid, patient=next(
                v.patient for v in route.visits[1:-1] if v.patient not in patients)))
        if sound:
            out.extend(_timing_checks(instance, cid, route.visits, visited))

    for p in instance.patients:
        if p.id not in visited:
            if not p.optional:
                out.append(_v("not_scheduled", patient=p.id))
            elif w.is_hard("optional_patients"):
                out.append(_v("optional_unvisited", patient=p.id))
            continue
        for rs in p.required_services:
            count = given[(p.id, rs.service)]
            if count == 0:
                out.append(_v("service_missing", patient=p.id, service=rs.service))
            elif count > 1 or len(providers[(p.id, rs.service)]) > 1:
                out.append(_v("service_twice", patient=p.id, service=rs.service))
        out.extend(_sync_checks(p, starts))

    if w.is_hard("missed_lunch_break"):
        for c in instance.caregivers:
            if c.lunch_break and c.id not in lunching:
                out.append(_v("lunch_missing", caregiver=c.id))
            elif not c.lunch_break and c.id in lunching:
                out.append(_v("lunch_forbidden", caregiver=c.id))
    return out


def _lunch_checks(instance: Instance, cid: str, v: Visit, lunching: set[str]) -> list[Violation]:
    if instance.weights.get("missed_lunch_break") is None:
        return []  # the validator checks lunches only when the instance weighs them
    lunch = instance.lunch_breaks
    if lunch is None:
        return [_v("lunch_spec_missing", caregiver=cid)]
    out = []
    measured = v.start if instance.time_window_met == "at_service_start" else v.end
    if measured > lunch.end:
        out.append(_v("lunch_late", caregiver=cid))
    if v.start < lunch.start:
        out.append(_v("lunch_early", caregiver=cid))
    if v.end - v.start < lunch.min_duration:
        out.append(_v("lunch_short", caregiver=cid))
    if not out:
        lunching.add(cid)
    return out


def _assignment_checks(
    instance: Instance, cid: str, p: Patient, v: Visit, start_side: bool
) -> list[Violation]:
    w = instance.weights
    out = []
    if (p.preferred_caregivers is not None and cid not in p.preferred_caregivers
            and w.is_hard("caregiver_preferences")):
        out.append(_v("not_preferred", patient=p.id, caregiver=cid))
    if (p.incompatible_caregivers is not None and cid in p.incompatible_caregivers
            and w.is_hard("incompabilities")):
        out.append(_v("incompatible", patient=p.id, caregiver=cid))
    if w.get("total_tardiness") == "HARD" or w.get("highest_tardiness") == "HARD":
        window = p.time_windows[0]
        for tw in p.time_windows:
            if tw.start <= v.start:
                window = tw
        late = (v.start if start_side else v.end) - window.end
        if late > 0:
            out.append(_v("late", patient=p.id, minutes=late))
    return out


def _timing_checks(
    instance: Instance, cid: str, visits: tuple[Visit, ...], visited: set[str]
) -> list[Violation]:
    out = []
    c = instance.caregivers_by_id()[cid]
    timed = time_route(instance, cid, visits, visited)
    for n, v in enumerate(visits):
        if v.start < timed.reach[n]:
            out.append(_v("travel", caregiver=cid, patient=v.patient, start=v.start))
        elif v.start < timed.arrivals[n]:
            out.append(_v("early_arrival", caregiver=cid, patient=v.patient))
    if c.working_shift is not None and timed.departure < c.working_shift.start:
        out.append(_v("before_shift", caregiver=cid, departure=timed.departure,
                      shift=c.working_shift.start))
    elif timed.departure < 0:
        out.append(_v("before_shift", caregiver=cid, departure=timed.departure, shift=0))
    if (c.working_shift is not None and instance.weights.get("working_time") == "HARD"
            and timed.back > c.working_shift.end):
        out.append(_v("overtime", caregiver=cid))
    return out


def _sync_checks(p: Patient, starts: dict[tuple[str, str], float]) -> list[Violation]:
    sync = p.synchronization
    if sync is None or sync.kind == "independent":
        return []
    first = starts.get((p.id, p.required_services[0].service))
    second = starts.get((p.id, p.required_services[1].service))
    if first is None or second is None:
        return [_v("sync_missing", patient=p.id)]
    if sync.kind == "simultaneous":
        return [] if first == second else [_v("not_simultaneous", patient=p.id, first=first,
                                               second=second)]
    if first + sync.min_delay <= second <= first + sync.max_delay:
        return []
    return [_v("sequence", patient=p.id, low=sync.min_delay, high=sync.max_delay,
               gap=second - first)]
