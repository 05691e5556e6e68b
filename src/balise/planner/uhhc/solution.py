"""A UHHC solution: one route of timed visits per caregiver, read and written as JSON.

The file format is that of the published solutions (``uhhc/solutions/`` of the
iolab-uniud/uhhc repository): ``routes[].caregiver_id`` and ``routes[].locations[]``, each
location a visit ``{patient, service, arrival_time, departure_time}`` — where, despite the
names, ``arrival_time`` is the start of service and ``departure_time`` its end — or a
lunch break ``{patient, service: "lunch_break", start_time, end_time}`` taken at that
patient's address. The validator also accepts ``start_service_time``/``end_service_time``
and ``start_time``/``end_time``, and an explicit ``arrival_at_patient``; so does
``parse_solution``. A caregiver absent from ``routes`` does not work that day.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from balise.planner.uhhc.errors import UhhcFileError, UhhcFormatError
from balise.planner.uhhc.instance import LUNCH
from balise.planner.uhhc.reader import Fields, load_json

START_KEYS = ("start_service_time", "arrival_time", "start_time")  # the validator's priority
END_KEYS = ("end_service_time", "departure_time", "end_time")
SORT_KEYS = ("arrival_time", "start_time", "start_service_time")  # the validator sorts so
# Names the published files give to two components (the validator accepts both).
FILE_NAMES = {"caregiver_preferences": "preferences", "optional_patients": "unscheduled"}


@dataclass(frozen=True, slots=True)
class Visit:
    patient: str
    service: str  # "lunch_break" for a lunch taken at this patient's address
    start: float
    end: float
    arrival: float | None = None  # arrival_at_patient, when the file states it

    @property
    def is_lunch(self) -> bool:
        return self.service == LUNCH


@dataclass(frozen=True, slots=True)
class Route:
    caregiver: str
    visits: tuple[Visit, ...] | None  # None: listed without locations (works, visits no one)


@dataclass(frozen=True, slots=True)
class Solution:
    routes: tuple[Route, ...]
    instance: str | None = None


def read_solution(path: str | Path) -> Solution:
    return parse_solution(load_json(path), file=str(path))


def parse_solution(data: Any, file: str = "<data>") -> Solution:
    f = Fields(file)
    root = f.obj(data, "")
    routes = []
    for i, item in enumerate(f.items(f.req(root, "routes", ""), "routes")):
        path = f"routes[{i}]"
        d = f.obj(item, path)
        caregiver = f.text(f.req(d, "caregiver_id", path), f"{path}.caregiver_id")
        if d.get("locations") is None:
            routes.append(Route(caregiver, None))
            continue
        raw = f.items(d["locations"], f"{path}.locations")
        visits = [_visit(f, loc, f"{path}.locations[{j}]") for j, loc in enumerate(raw)]
        # The validator orders each route by start time (a stable sort) before checking it.
        order = sorted(range(len(raw)), key=lambda j: _sort_key(raw[j]))
        routes.append(Route(caregiver, tuple(visits[j] for j in order)))
    name = root.get("instance")
    return Solution(tuple(routes), name if isinstance(name, str) else None)


def _visit(f: Fields, value: Any, path: str) -> Visit:
    d = f.obj(value, path)
    if "depot" in d:
        raise f.fail(path, "depot_entries")
    start_key = next((k for k in START_KEYS if d.get(k) is not None), START_KEYS[0])
    end_key = next((k for k in END_KEYS if d.get(k) is not None), END_KEYS[0])
    arrival = None
    if d.get("arrival_at_patient") is not None:
        arrival = f.number(d["arrival_at_patient"], f"{path}.arrival_at_patient")
    return Visit(
        patient=f.text(f.req(d, "patient", path), f"{path}.patient"),
        service=f.text(f.req(d, "service", path), f"{path}.service"),
        start=f.number(f.req(d, start_key, path), f"{path}.{start_key}"),
        end=f.number(f.req(d, end_key, path), f"{path}.{end_key}"),
        arrival=arrival,
    )


def _sort_key(location: Any) -> float:
    for key in SORT_KEYS:
        if isinstance(location, dict) and location.get(key) is not None:
            return float(location[key])
    return 0.0


def solution_to_json(
    solution: Solution,
    total: float | None = None,
    weighted: Mapping[str, float] | None = None,
    violations: int = 0,
) -> dict[str, Any]:
    """The solution in the published format, with its cost when it is known.

    ``cost_components`` holds weighted values, as the published files do; the validator
    reads them as whole numbers, so a fractional one (fractional travel times) is left out.
    """
    components = {FILE_NAMES.get(k, k): int(v) for k, v in (weighted or {}).items()
                  if float(v).is_integer()}
    firsts: dict[str, float] = {}
    routes: list[dict[str, Any]] = []
    for route in solution.routes:
        if route.visits is None:
            routes.append({"caregiver_id": route.caregiver, "locations": None})
            continue
        locations = []
        for v in route.visits:
            if v.is_lunch:
                entry: dict[str, Any] = {"patient": v.patient, "service": LUNCH,
                                         "start_time": v.start, "end_time": v.end}
            else:
                entry = {"arrival_time": v.start, "departure_time": v.end,
                         "patient": v.patient, "service": v.service}
                firsts[v.patient] = min(v.start, firsts.get(v.patient, v.start))
            if v.arrival is not None:
                entry["arrival_at_patient"] = v.arrival
            locations.append(entry)
        routes.append({"caregiver_id": route.caregiver, "locations": locations})
    out: dict[str, Any] = {}
    if solution.instance:
        out["instance"] = solution.instance
    if total is not None:
        out["cost"] = {"objective": total, "violations": violations}
    out["cost_components"] = components
    out["global_ordering"] = sorted(firsts, key=lambda p: (firsts[p], p))
    out["routes"] = routes
    return out


def write_solution(
    solution: Solution,
    path: str | Path,
    total: float | None = None,
    weighted: Mapping[str, float] | None = None,
    violations: int = 0,
) -> None:
    data = solution_to_json(solution, total, weighted, violations)
    try:
        Path(path).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    except OSError as exc:
        raise UhhcFileError(file=str(path), detail=str(exc)) from exc


__all__ = ["Route", "Solution", "UhhcFormatError", "Visit", "parse_solution", "read_solution",
           "solution_to_json", "write_solution"]
