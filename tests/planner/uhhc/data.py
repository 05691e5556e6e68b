"""Where the shared UHHC data lives, and a small instance to build test cases from."""

from __future__ import annotations

import copy
import csv
from pathlib import Path
from typing import Any

from tests.shared_data import SHARED

HHC = SHARED / "data" / "hhc"
UHHC = HHC / "uhhc"
MANKOWSKA = HHC / "mankowska"


def published_solutions() -> list[tuple[str, Path, Path, float]]:
    """(name, instance, solution, reference total) for the 9 SA and 50 BRKGA solutions."""
    out = []
    with (UHHC / "validation" / "reference.csv").open() as handle:
        for row in csv.DictReader(handle):
            out.append((row["instance"], UHHC / "validation" / f"{row['instance']}.json",
                        UHHC / row["sa_solution_file"], float(row["sa_objective"])))
    with (MANKOWSKA / "reference.csv").open() as handle:
        for row in csv.DictReader(handle):
            out.append((row["instance"], MANKOWSKA / f"{row['file']}.json",
                        MANKOWSKA / "solutions-brkga" / f"{row['file']}.json",
                        float(row["reference_total"])))
    return out


TINY: dict[str, Any] = {
    "metadata": {
        "name": "tiny",
        "origin": "extended",
        "time_window_met": "at_service_start",
        "cost_components": {"travel_time": 1, "total_tardiness": 2, "highest_tardiness": 1,
                            "total_waiting_time": 1, "optional_patients": 100},
    },
    # Terminal point d0, then patients p0, p1, p2.
    "distances": [[0, 10, 20, 15], [10, 0, 12, 9], [20, 12, 0, 7], [15, 9, 7, 0]],
    "terminal_points": [{"id": "d0", "distance_matrix_index": 0}],
    "services": [{"id": "s0", "type": "t0", "default_duration": 15},
                 {"id": "s1", "type": "t1", "default_duration": 20}],
    "caregivers": [
        {"id": "c1", "abilities": ["s0", "s1"], "departing_point": "d0", "arrival_point": "d0",
         "working_shift": {"start": 0, "end": 480}},
        {"id": "c2", "abilities": ["s1"], "departing_point": "d0", "arrival_point": "d0"},
    ],
    "patients": [
        {"id": "p0", "required_services": [{"service": "s0", "duration": 15}],
         "distance_matrix_index": 1, "time_windows": [{"start": 60, "end": 120}]},
        {"id": "p1", "required_services": [{"service": "s0"}, {"service": "s1"}],
         "distance_matrix_index": 2, "time_windows": [{"start": 0, "end": 60},
                                                       {"start": 200, "end": 260}],
         "synchronization": {"type": "simultaneous"}},
        {"id": "p2", "required_services": [{"service": "s1", "duration": 30}],
         "distance_matrix_index": 3, "time_windows": [[100, 300]], "optional": True},
    ],
}


def tiny() -> dict[str, Any]:
    return copy.deepcopy(TINY)
