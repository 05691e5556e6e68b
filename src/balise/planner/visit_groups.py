"""Linked visits as UHHC patients: a double visit or a sequence is one patient, two services.

A double visit (two workers at the same time) and a sequence (a second visit some minutes
after the first ends) are two ``Visit`` rows sharing a ``link_group`` (``grid/models.py``).
The UHHC model (``planner/uhhc``) holds them as one patient with two required services,
synchronised "simultaneous" or "sequential"; its delays run from start to start, so a
sequence's "30 to 90 minutes after the first visit ends" becomes, for a first visit of
45 minutes, 75 to 135 minutes between the starts.

The names carry the link back: a patient is ``v<id>`` for a single visit and
``v<first>+<second>`` for a group; the service of a group's second visit ends with
``-2`` (a patient's two services must differ, even when one profession does both).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from balise.grid.models import Visit
from balise.planner.uhhc.instance import Patient, Synchronization, TimeWindow

SECOND = "-2"


def visit_groups(visits: Sequence[Visit]) -> list[tuple[Visit, ...]]:
    """The day's visits as planning units, in the order of their first visit: one visit,
    or the two visits of a group (the first of a sequence first). A group whose other
    visit is not among ``visits`` (done, cancelled, another day) is planned alone."""
    linked: dict[str, list[Visit]] = defaultdict(list)
    for visit in visits:
        if visit.link_group is not None:
            linked[visit.link_group].append(visit)
    units: list[tuple[Visit, ...]] = []
    seen: set[str] = set()
    for visit in visits:
        group = linked.get(visit.link_group or "", [])
        if len(group) != 2:
            units.append((visit,))
        elif visit.link_group not in seen:
            seen.add(visit.link_group or "")
            units.append(tuple(sorted(group, key=lambda v: (v.link_kind == "after", v.id))))
    return units


def patient_id(unit: Sequence[Visit]) -> str:
    return "v" + "+".join(str(v.id) for v in unit)


def visit_ids(pid: str) -> list[int]:
    return [int(part) for part in pid[1:].split("+")]


def visit_of(pid: str, service: str) -> int:
    """The visit a service of a patient stands for."""
    ids = visit_ids(pid)
    return ids[1] if service.endswith(SECOND) and len(ids) == 2 else ids[0]


def patients_by_visit(patients: Sequence[Patient]) -> dict[str, Patient]:
    """``v<visit id>`` -> the patient that holds the visit, for every visit of the day."""
    return {f"v{visit_id}": p for p in patients for visit_id in visit_ids(p.id)}


def synchronization(unit: Sequence[Visit]) -> Synchronization | None:
    if len(unit) < 2:
        return None
    first, second = unit
    if first.link_kind == "double":
        return Synchronization("simultaneous")
    low = second.delay_min or 0
    high = second.delay_max if second.delay_max is not None else low
    return Synchronization("sequential", float(first.planned_minutes + low),
                           float(first.planned_minutes + high))


def time_windows(visit: Visit) -> tuple[TimeWindow, ...]:
    """The visit's window, then its second one; two that touch or overlap become one
    (the UHHC model wants windows sorted and apart)."""
    first = TimeWindow(float(visit.window_start), float(visit.window_end))
    if visit.window2_start is None or visit.window2_end is None:
        return (first,)
    second = TimeWindow(float(visit.window2_start), float(visit.window2_end))
    low, high = sorted((first, second), key=lambda w: w.start)
    if high.start < low.end:
        return (TimeWindow(low.start, max(low.end, high.end)),)
    return (low, high)
