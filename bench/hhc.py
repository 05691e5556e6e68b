"""Home-care routing (UHHC): Balise's planner on every shared instance, judged by the validator.

Protocol
    Every instance of ``shared/data/hhc`` (UHHC validation, generated-small and Italian
    instances, and Mankowska's A–E) is solved by ``solve_uhhc`` with the same wall-clock
    budget on one thread and a fixed seed. The plan is written in the UHHC solution format
    and judged by the problem authors' validator (``uhhc-toolbox validator solution``):
    *valid* means it exits cleanly, prints a total and reports no broken hard constraint
    (a mandatory patient left out included). The cost is Balise's evaluation, equal to the
    validator's total. References: the paper's simulated annealing for the UHHC
    validation instances (``uhhc/validation/reference.csv``), and the best of 15 BRKGA runs
    for Mankowska (``mankowska/reference.csv``, ``reference_total``); the others have none.

    ``--jobs 2`` runs two instances at once, one per core of a quiet 2-core machine.

Usage
    .venv/bin/python bench/hhc.py                      # 60 s each
    .venv/bin/python bench/hhc.py --time-limit 10 --only 'i-*' --jobs 2
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from balise.planner.uhhc.evaluate import evaluate
from balise.planner.uhhc.reader import read_instance
from balise.planner.uhhc.search import SearchLog, solve_uhhc
from balise.planner.uhhc.solution import write_solution
from balise.planner.uhhc.toolbox import run_toolbox

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("BALISE_HHC_DATA", ROOT.parent / "shared" / "data" / "hhc"))
RESULTS = ROOT / "bench" / "results" / "hhc.json"


def catalogue() -> list[dict[str, Any]]:
    """Every shared instance with its family, display name and reference cost (if any)."""
    items: list[dict[str, Any]] = []
    sa: dict[str, float] = {}
    with (DATA / "uhhc" / "validation" / "reference.csv").open() as handle:
        sa = {row["instance"]: float(row["sa_objective"]) for row in csv.DictReader(handle)}
    for family in ("validation", "generated-small", "italian"):
        for path in sorted((DATA / "uhhc" / family).glob("*.json")):
            items.append({"name": path.stem, "family": family, "path": str(path),
                          "reference": sa.get(path.stem)})
    with (DATA / "mankowska" / "reference.csv").open() as handle:
        for row in csv.DictReader(handle):
            items.append({"name": row["instance"], "family": f"mankowska-{row['instance'][0]}",
                          "path": str(DATA / "mankowska" / f"{row['file']}.json"),
                          "reference": float(row["reference_total"])})
    return items


def run_one(item: dict[str, Any], time_limit: float, seed: int, keep: str | None) -> dict[str, Any]:
    instance = read_instance(item["path"])
    log = SearchLog()
    started = time.perf_counter()
    solution = solve_uhhc(instance, time_limit, seed, log)
    seconds = time.perf_counter() - started
    result = evaluate(instance, solution)
    folder = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="balise-hhc-"))
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{item['name']}.json"
    write_solution(solution, out, result.total, result.weighted)
    verdict = run_toolbox(item["path"], out)
    if not keep:
        out.unlink()
        folder.rmdir()
    ratio = result.total / item["reference"] if item["reference"] else None
    return {
        **item,
        "patients": len(instance.patients),
        "caregivers": len(instance.caregivers),
        "cost": result.total,
        "validator_total": verdict.total,
        "ratio": ratio,
        "valid": verdict.accepted,
        "failures": list(verdict.failures[:5]),
        "own_violations": [v.code for v in result.violations],
        "seconds": round(seconds, 2),
        "iterations": log.iterations,
        "initial": log.initial,
    }


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def mean_ratio(selected: list[dict[str, Any]]) -> float | None:
        ratios = [r["ratio"] for r in selected if r["ratio"] is not None]
        return statistics.fmean(ratios) if ratios else None

    families = sorted({r["family"] for r in rows})
    return {
        "valid": sum(r["valid"] for r in rows),
        "instances": len(rows),
        "mean_ratio": {f: mean_ratio([r for r in rows if r["family"] == f]) for f in families},
        "mankowska_mean_ratio": mean_ratio([r for r in rows if r["family"].startswith("mank")]),
        "better_than_reference": sum(1 for r in rows if r["ratio"] is not None and r["ratio"] < 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance")
    parser.add_argument("--only", default="*", help="shell pattern on names, e.g. 'i-*' or 'E*'")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=1, help="instances solved at once")
    parser.add_argument("--keep", default=None, help="folder to keep the solution files in")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 140)
    patterns = args.only.split(",")
    items = [i for i in catalogue() if any(fnmatch.fnmatch(i["name"], p) for p in patterns)]
    rows: list[dict[str, Any]] = []
    with Progress(console=console, transient=True) as progress, ProcessPoolExecutor(
            max_workers=max(1, args.jobs)) as pool:
        task = progress.add_task("UHHC", total=len(items))
        futures = [pool.submit(run_one, i, args.time_limit, args.seed, args.keep) for i in items]
        for future in as_completed(futures):
            rows.append(future.result())
            progress.advance(task)
    order = {i["name"]: n for n, i in enumerate(items)}
    rows.sort(key=lambda r: order[r["name"]])

    table = Table(title=f"UHHC — Balise at {args.time_limit:g} s per instance, seed {args.seed}")
    for column in ("instance", "patients", "caregivers", "Balise cost", "reference", "ratio",
                   "valid", "seconds"):
        table.add_column(column, justify="left" if column == "instance" else "right")
    for r in rows:
        table.add_row(r["name"], str(r["patients"]), str(r["caregivers"]), f"{r['cost']:.3f}",
                      "—" if r["reference"] is None else f"{r['reference']:.3f}",
                      "—" if r["ratio"] is None else f"{r['ratio']:.4f}",
                      "yes" if r["valid"] else "NO", f"{r['seconds']:.1f}")
    console.print(table)
    totals = summary(rows)
    console.print(json.dumps(totals, indent=1))
    document = {
        "benchmark": "uhhc",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "time_limit_s": args.time_limit, "seed": args.seed, "jobs": args.jobs,
        "summary": totals, "results": rows,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return 0 if totals["valid"] == totals["instances"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
