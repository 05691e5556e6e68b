"""An instance written back as UHHC JSON, the format ``reader.read_instance`` and the
authors' validator read: how a team's day (``planner/team_day.py``) is handed to an
outside judge.

The file's travel matrix holds exactly the terminal points and then the patients, in
that order (the format's rule); an instance built with more rows (a team day keeps one
row per visit, and the two visits of a group share a patient) is compacted on the way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from balise.planner.uhhc.errors import UhhcFileError
from balise.planner.uhhc.instance import Instance, Patient, Synchronization


def instance_to_json(instance: Instance) -> dict[str, Any]:
    rows = [t.location for t in instance.terminal_points] + [p.location
                                                             for p in instance.patients]
    terminals = len(instance.terminal_points)
    lunch = instance.lunch_breaks
    return {
        "metadata": {
            "name": instance.name, "origin": instance.origin,
            "time_window_met": instance.time_window_met,
            "cost_components": {name: weight for name, weight in instance.weights.weights
                                if weight is not None},
        },
        "distances": [[instance.distances[a][b] for b in rows] for a in rows],
        "terminal_points": [{"id": t.id, "distance_matrix_index": k}
                            for k, t in enumerate(instance.terminal_points)],
        "services": [{"id": s.id, "type": s.type} for s in instance.services],
        "caregivers": [{
            "id": c.id, "abilities": sorted(c.abilities), "departing_point": c.departing_point,
            "arrival_point": c.arrival_point,
            "working_shift": None if c.working_shift is None else {
                "start": c.working_shift.start, "end": c.working_shift.end},
            "lunch_break": c.lunch_break,
        } for c in instance.caregivers],
        "patients": [_patient(p, terminals + k) for k, p in enumerate(instance.patients)],
        **({} if lunch is None else {"lunch_breaks": {
            "start": lunch.start, "end": lunch.end, "min_duration": lunch.min_duration}}),
    }


def _patient(p: Patient, index: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": p.id,
        "required_services": [{"service": rs.service, "duration": rs.duration}
                              for rs in p.required_services],
        "distance_matrix_index": index,
        "time_windows": [{"start": w.start, "end": w.end} for w in p.time_windows],
        "optional": p.optional,
    }
    if p.synchronization is not None:
        out["synchronization"] = _sync(p.synchronization)
    if p.preferred_caregivers is not None:
        out["preferred_caregivers"] = sorted(p.preferred_caregivers)
    if p.incompatible_caregivers is not None:
        out["incompatible_caregivers"] = sorted(p.incompatible_caregivers)
    return out


def _sync(sync: Synchronization) -> dict[str, Any]:
    if sync.kind != "sequential":
        return {"type": sync.kind}
    return {"type": sync.kind, "distance": {"min": sync.min_delay, "max": sync.max_delay}}


def write_instance(instance: Instance, path: str | Path) -> None:
    try:
        Path(path).write_text(json.dumps(instance_to_json(instance), indent=1) + "\n",
                              encoding="utf-8")
    except OSError as exc:
        raise UhhcFileError(file=str(path), detail=str(exc)) from exc
