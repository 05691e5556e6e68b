"""Plan a UHHC instance file end to end: read, solve, cost, write. What ``balise plan --uhhc`` runs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from balise.planner.uhhc.evaluate import evaluate
from balise.planner.uhhc.reader import read_instance
from balise.planner.uhhc.search import SearchLog, solve_uhhc
from balise.planner.uhhc.solution import write_solution


def plan_uhhc_file(
    instance_path: str | Path, time_limit_s: float, seed: int = 0,
    out_path: str | Path | None = None,
) -> dict[str, Any]:
    """Solve the instance within the time limit; write the solution if ``out_path`` is given.

    Returns one JSON-ready record: the weighted cost components and their total as the
    UHHC validator computes them, whether every hard constraint holds (with the reasons
    when not, in the current language), and the search's own figures.
    """
    started = time.perf_counter()
    instance = read_instance(instance_path)
    log = SearchLog()
    solution = solve_uhhc(instance, time_limit_s, seed, log)
    result = evaluate(instance, solution)
    seconds = time.perf_counter() - started
    if out_path is not None:
        write_solution(solution, out_path, result.total, result.weighted,
                       len(result.violations))
    return {
        "instance": instance.name,
        "total": result.total,
        "components": result.weighted,
        "feasible": result.feasible,
        "violations": [v.message() for v in result.violations],
        "caregivers_used": sum(1 for r in solution.routes if r.visits),
        "patients_left_out": int(result.values["optional_patients"]),
        "seconds": round(seconds, 3),
        "iterations": log.iterations,
        "seed": seed,
        "solution": str(out_path) if out_path is not None else None,
    }
