"""The planner's plans pass the UHHC authors' validator, on shared and on random instances."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from balise.planner.uhhc.evaluate import evaluate
from balise.planner.uhhc.plan import plan_uhhc_file
from balise.planner.uhhc.reader import parse_instance, read_instance
from balise.planner.uhhc.search import solve_uhhc
from balise.planner.uhhc.solution import write_solution
from balise.planner.uhhc.toolbox import run_toolbox
from tests.planner.uhhc.data import MANKOWSKA, UHHC

REFERENCE = {"A1": 680.934, "A2": 739.88, "A3": 917.575}


def _solve_and_judge(instance_path: Path, seconds: float, tmp_path: Path) -> tuple[float, Any]:
    instance = read_instance(instance_path)
    solution = solve_uhhc(instance, seconds, seed=3)
    ours = evaluate(instance, solution)
    out = tmp_path / f"{instance_path.stem}.sol.json"
    write_solution(solution, out, ours.total, ours.weighted)
    verdict = run_toolbox(instance_path, out)
    assert verdict.total == ours.total  # our cost is the validator's, to the last bit
    return ours.total, verdict


@pytest.mark.parametrize("name", ["instance-000", "instance-003", "instance-004", "instance-009"])
def test_a_small_generated_instance_gets_a_valid_plan(name: str, tmp_path: Path) -> None:
    _, verdict = _solve_and_judge(UHHC / "generated-small" / f"{name}.json", 2.0, tmp_path)
    assert verdict.accepted, verdict.failures


@pytest.mark.parametrize(("name", "file"), [("A1", "InstanzCPLEX_HCSRP_10_1"),
                                            ("A2", "InstanzCPLEX_HCSRP_10_2"),
                                            ("A3", "InstanzCPLEX_HCSRP_10_3")])
def test_mankowska_a_is_valid_and_matches_the_brkga(name: str, file: str, tmp_path: Path) -> None:
    total, verdict = _solve_and_judge(MANKOWSKA / f"{file}.json", 2.0, tmp_path)
    assert verdict.accepted, verdict.failures
    assert total <= REFERENCE[name] * 1.005


def test_an_impossible_lateness_is_reported_not_hidden() -> None:
    # Patient p3's only qualified caregivers start work after its window closes (and
    # lateness is HARD here): every mandatory patient is planned, the violation is named.
    instance = read_instance(UHHC / "generated-small" / "instance-005.json")
    result = evaluate(instance, solve_uhhc(instance, 1.0, seed=1))
    assert {v.code for v in result.violations} == {"late"}
    assert result.values["optional_patients"] <= sum(p.optional for p in instance.patients)


def test_plan_uhhc_file_writes_the_plan_and_returns_its_costs(tmp_path: Path) -> None:
    instance = UHHC / "validation" / "i-116.json"
    out = tmp_path / "plan.json"
    started = time.perf_counter()
    record = plan_uhhc_file(instance, 3.0, seed=7, out_path=out)
    elapsed = time.perf_counter() - started
    assert 3.0 * 0.9 <= elapsed <= 3.0 * 1.05 + 0.5  # reading and writing included
    assert record["feasible"] and record["violations"] == []
    assert set(record["components"]) == set(json.loads(instance.read_text())["metadata"]
                                            ["cost_components"])
    assert math.isclose(sum(record["components"].values()), record["total"])
    assert record["total"] < 17393  # the paper's simulated annealing
    verdict = run_toolbox(instance, out)
    assert verdict.accepted and verdict.total == record["total"]
    json.dumps(record)  # one JSON line for the CLI


# ---------------------------------------------------------------- random instances
@st.composite
def small_instances(draw: st.DrawFn) -> dict[str, Any]:
    """3–4 caregivers, 4–8 patients with double (simultaneous, sequential, independent)
    visits, one or two windows, lunch breaks, optional patients, fractional travel."""
    n_cg = draw(st.integers(3, 4))
    n_p = draw(st.integers(4, 8))
    fractional = draw(st.booleans())
    points = draw(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)),
                           min_size=n_p + 1, max_size=n_p + 1))

    def travel(a: tuple[int, int], b: tuple[int, int]) -> float:
        d = math.dist(a, b)
        return round(d, 3) if fractional else float(round(d))

    services = [{"id": f"s{i}", "type": f"t{i}", "default_duration": 15} for i in range(3)]
    caregivers = []
    for c in range(n_cg):
        start = draw(st.sampled_from([0, 30, 60, 120]))
        caregivers.append({
            "id": f"c{c}", "abilities": ["s0", "s1"] + (["s2"] if draw(st.booleans()) else []),
            "departing_point": "d0", "arrival_point": "d0",
            "working_shift": {"start": start, "end": start + draw(st.sampled_from([300, 420]))},
            "lunch_break": draw(st.booleans())})
    if not any("s2" in c["abilities"] for c in caregivers):
        caregivers[0]["abilities"].append("s2")
    patients = []
    for i in range(n_p):
        kind = draw(st.sampled_from(["single", "simultaneous", "sequential", "independent"]))
        opens = draw(st.integers(0, 400))
        windows = [{"start": opens, "end": opens + draw(st.sampled_from([30, 60, 120]))}]
        if draw(st.booleans()):
            later = windows[0]["end"] + draw(st.integers(0, 120))
            windows.append({"start": later, "end": later + 90})
        duration = draw(st.sampled_from([10, 15, 30, 45]))
        patient: dict[str, Any] = {"id": f"p{i}", "distance_matrix_index": i + 1,
                                   "time_windows": windows, "optional": draw(st.booleans())}
        if kind == "single":
            patient["required_services"] = [{"service": draw(st.sampled_from(["s0", "s1", "s2"])),
                                             "duration": duration}]
        else:
            patient["required_services"] = [{"service": "s0", "duration": duration},
                                            {"service": "s1", "duration": 15}]
            low = draw(st.sampled_from([0, 15, 30]))
            patient["synchronization"] = (
                {"type": kind, "distance": {"min": low, "max": low + 45}}
                if kind == "sequential" else {"type": kind})
        patients.append(patient)
    return {
        "metadata": {"name": "random", "origin": "kummer", "time_window_met": draw(
            st.sampled_from(["at_service_start", "at_service_end"])),
            "cost_components": {"travel_time": 1, "total_tardiness": 3, "highest_tardiness": 1,
                                "total_waiting_time": 1, "total_extra_time": 2,
                                "max_idle_time": 1, "optional_patients": 100,
                                "missed_lunch_break": 40}},
        "distances": [[travel(a, b) for b in points] for a in points],
        "terminal_points": [{"id": "d0", "distance_matrix_index": 0}],
        "caregivers": caregivers, "patients": patients, "services": services,
        "lunch_breaks": {"start": 180, "end": 300, "min_duration": 30},
    }


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=small_instances())
def test_random_plans_with_synchronised_visits_are_valid(data: dict[str, Any],
                                                          tmp_path: Path) -> None:
    path = tmp_path / "random.json"
    path.write_text(json.dumps(data))
    instance = parse_instance(data)
    solution = solve_uhhc(instance, 0.6, seed=0)
    ours = evaluate(instance, solution)
    assert ours.feasible, [str(v) for v in ours.violations]
    out = tmp_path / "random.sol.json"
    write_solution(solution, out, ours.total, ours.weighted)
    verdict = run_toolbox(path, out)
    assert verdict.accepted, (verdict.failures, verdict.output[-2000:])
    assert verdict.total == ours.total
