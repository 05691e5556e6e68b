"""Solomon VRPTW: Balise's planner (PyVRP) against OR-Tools routing at the same budget.

Protocol
    Every instance of ``shared/data/vrptw`` (or those picked with ``--instances``) is
    solved by each engine with the same wall-clock budget, one thread each, under the
    exact-method convention: total distance is the objective, distances and travel
    times are Euclidean truncated to one decimal, the fleet is the file's. OR-Tools
    uses guided local search after parallel cheapest insertion, the start that solved
    every instance in the peers' run (``peers_30s.csv``); its matrices are registered
    in C++ so that it does not pay for Python callbacks. Every plan of both engines
    goes through the independent checker of ``tests/planner/solomon_check.py``; the gap
    is to ``optimal_distance_truncated`` of ``best_known.csv``.

    With ``--jobs 1`` (the default) engines run one after the other so that neither
    steals the other's core; ``--jobs 2`` halves the wall time on a quiet 2-core machine.

Usage
    .venv/bin/python bench/planner_solomon.py --time-limit 30
    .venv/bin/python bench/planner_solomon.py --time-limit 5 --instances C1,R101 --jobs 2
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from types import ModuleType
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from balise.planner.solomon import SolomonInstance, read_solomon, travel_tenths
from balise.planner.vrptw import NoFeasiblePlan, solve_instance

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("BALISE_VRPTW_DATA", ROOT.parent / "shared" / "data" / "vrptw"))
CHECKER = ROOT / "tests" / "planner" / "solomon_check.py"
ENGINES = ("balise", "ortools")
TENTHS = 10


def load_checker() -> ModuleType:
    """The test suite's checker, loaded by path so that one copy serves both."""
    spec = importlib.util.spec_from_file_location("solomon_check", CHECKER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


def optimal_distances() -> dict[str, float]:
    with (DATA / "best_known.csv").open(encoding="utf-8") as handle:
        return {row["instance"]: float(row["optimal_distance_truncated"])
                for row in csv.DictReader(handle)}


def pick_instances(selection: str | None) -> list[Path]:
    paths = sorted(DATA.glob("*.txt"))
    if not selection:
        return paths
    wanted = [s.strip().upper() for s in selection.split(",") if s.strip()]
    return [p for p in paths if any(p.stem.upper().startswith(w) for w in wanted)]


# --- engines ------------------------------------------------------------------------

def run_balise(instance: SolomonInstance, time_limit_s: float, seed: int) -> list[list[int]]:
    try:
        plan = solve_instance(instance, time_limit_s, seed)
    except NoFeasiblePlan:
        return []
    return [list(route) for route in plan.routes]


def run_ortools(instance: SolomonInstance, time_limit_s: float) -> list[list[int]]:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    points = (instance.depot, *instance.customers)
    distance = [[travel_tenths(a, b) for b in points] for a in points]
    # The time dimension counts from service start to the next arrival, hence service first.
    transit = [[a.service * TENTHS + d for d in row] for a, row in zip(points, distance, strict=True)]
    manager = pywrapcp.RoutingIndexManager(len(points), instance.vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(distance))
    _add_time_windows(instance, manager, routing, routing.RegisterTransitMatrix(transit))
    demand = routing.RegisterUnaryTransitVector([p.demand for p in points])
    routing.AddDimensionWithVehicleCapacity(
        demand, 0, [instance.capacity] * instance.vehicles, True, "Capacity")

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION)
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
    params.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return []
    return _ortools_routes(instance, manager, routing, solution)


def _add_time_windows(instance: SolomonInstance, manager: Any, routing: Any,
                      transit: int) -> None:
    horizon = instance.depot.due * TENTHS
    routing.AddDimension(transit, horizon, horizon, False, "Time")
    clock = routing.GetDimensionOrDie("Time")
    for node, customer in enumerate(instance.customers, start=1):
        clock.CumulVar(manager.NodeToIndex(node)).SetRange(
            customer.ready * TENTHS, customer.due * TENTHS)
    for vehicle in range(instance.vehicles):
        for index in (routing.Start(vehicle), routing.End(vehicle)):
            clock.CumulVar(index).SetRange(instance.depot.ready * TENTHS, horizon)


def _ortools_routes(instance: SolomonInstance, manager: Any, routing: Any,
                    solution: Any) -> list[list[int]]:
    points = (instance.depot, *instance.customers)
    routes = []
    for vehicle in range(instance.vehicles):
        index = solution.Value(routing.NextVar(routing.Start(vehicle)))
        route = []
        while not routing.IsEnd(index):
            route.append(points[manager.IndexToNode(index)].number)
            index = solution.Value(routing.NextVar(index))
        if route:
            routes.append(route)
    return routes


def run_task(path: Path, engine: str, time_limit_s: float, seed: int) -> dict[str, Any]:
    """One engine on one instance; runs in a worker process when --jobs > 1."""
    instance = read_solomon(path)
    started, cpu_started = time.perf_counter(), time.process_time()
    if engine == "balise":
        routes = run_balise(instance, time_limit_s, seed)
    else:
        routes = run_ortools(instance, time_limit_s)
    # CPU seconds beside wall seconds: on a shared machine the budget is wall-clock,
    # so a run that got half a core searched half as long; the JSON keeps the evidence.
    return {"instance": path.stem, "engine": engine, "routes": routes,
            "seconds": round(time.perf_counter() - started, 2),
            "cpu_seconds": round(time.process_time() - cpu_started, 2)}


# --- judging ------------------------------------------------------------------------

def judge(checker: ModuleType, path: Path, routes: list[list[int]],
          optimal: float) -> dict[str, Any]:
    if not routes:
        return {"feasible": False, "distance": None, "vehicles": None, "gap_pct": None,
                "problems": ["no solution within the budget"], "routes": []}
    report = checker.check_file(path, routes)
    distance = float(report.distance)
    return {
        "feasible": report.feasible,
        "distance": distance,
        "vehicles": len(routes),
        "gap_pct": round(100 * (distance - optimal) / optimal, 3),
        "problems": report.problems,
        "routes": routes,
    }


def compare(balise: dict[str, Any], ortools: dict[str, Any]) -> str:
    """Better / equal / worse for Balise; an infeasible plan loses to any feasible one."""
    if not balise["feasible"] or not ortools["feasible"]:
        return {(True, False): "better", (False, True): "worse"}.get(
            (balise["feasible"], ortools["feasible"]), "equal")
    difference = round(balise["distance"] - ortools["distance"], 1)
    return "better" if difference < 0 else "worse" if difference > 0 else "equal"


def _cpu_share(results: Iterable[dict[str, Any]]) -> float:
    """CPU seconds over wall seconds: 1.0 means the engine had its core to itself."""
    spent: list[tuple[float, float]] = [(r["cpu_seconds"], r["seconds"]) for r in results]
    return round(sum(c for c, _ in spent) / max(sum(w for _, w in spent), 1e-9), 2)


def summarize(rows: list[dict[str, Any]], engines: Iterable[str]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for engine in engines:
        gaps = [r[engine]["gap_pct"] for r in rows if r[engine]["feasible"]]
        summary[engine] = {
            "solved": len(gaps),
            "mean_gap_pct": round(statistics.fmean(gaps), 3) if gaps else None,
            "worst_gap_pct": max(gaps) if gaps else None,
            "at_optimum": sum(1 for g in gaps if g <= 1e-9),
            "cpu_share": _cpu_share(r[engine] for r in rows),
        }
    if all("vs_ortools" in r for r in rows) and rows:
        summary["balise_vs_ortools"] = {
            outcome: sum(1 for r in rows if r["vs_ortools"] == outcome)
            for outcome in ("better", "equal", "worse")
        }
    return summary


# --- running and reporting ----------------------------------------------------------

def solve_all(paths: list[Path], engines: tuple[str, ...], time_limit_s: float, seed: int,
              jobs: int, console: Console) -> dict[tuple[str, str], dict[str, Any]]:
    tasks = [(path, engine) for path in paths for engine in engines]
    found: dict[tuple[str, str], dict[str, Any]] = {}
    with Progress(console=console, transient=True) as progress:
        bar = progress.add_task("Solving", total=len(tasks))
        if jobs == 1:
            for path, engine in tasks:
                progress.update(bar, description=f"{path.stem} · {engine}")
                done = run_task(path, engine, time_limit_s, seed)
                found[(done["instance"], engine)] = done
                progress.advance(bar)
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = [pool.submit(run_task, p, e, time_limit_s, seed) for p, e in tasks]
                for future in as_completed(futures):
                    done = future.result()
                    found[(done["instance"], done["engine"])] = done
                    progress.advance(bar)
    return found


def build_rows(paths: list[Path], engines: tuple[str, ...],
               found: dict[tuple[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    checker = load_checker()
    optima = optimal_distances()
    rows = []
    for path in paths:
        row: dict[str, Any] = {"instance": path.stem, "optimal": optima[path.stem]}
        for engine in engines:
            done = found[(path.stem, engine)]
            row[engine] = judge(checker, path, done["routes"], optima[path.stem])
            row[engine]["seconds"] = done["seconds"]
            row[engine]["cpu_seconds"] = done["cpu_seconds"]
        if set(ENGINES) <= set(engines):
            row["vs_ortools"] = compare(row["balise"], row["ortools"])
        rows.append(row)
    return rows


def _cell(result: dict[str, Any]) -> tuple[str, str]:
    if result["distance"] is None:
        return "—", "—"
    flag = "" if result["feasible"] else " ✗"
    return f"{result['distance']:.1f}{flag}", f"{result['gap_pct']:.2f}"


def print_table(rows: list[dict[str, Any]], engines: tuple[str, ...], summary: dict[str, Any],
                time_limit_s: float, console: Console) -> None:
    table = Table(title=f"Solomon VRPTW at {time_limit_s:g} s per instance "
                        "(truncated one-decimal convention)")
    table.add_column("instance")
    table.add_column("optimal", justify="right")
    for engine in engines:
        table.add_column(engine, justify="right")
        table.add_column("gap %", justify="right")
    table.add_column("both feasible" if len(engines) > 1 else "feasible")
    if "balise_vs_ortools" in summary:
        table.add_column("balise vs ortools")
    for row in rows:
        cells = [row["instance"], f"{row['optimal']:.1f}"]
        for engine in engines:
            cells.extend(_cell(row[engine]))
        cells.append("yes" if all(row[e]["feasible"] for e in engines) else "NO")
        if "vs_ortools" in row:
            cells.append(row["vs_ortools"])
        table.add_row(*cells)
    console.print(table)
    for engine in engines:
        s = summary[engine]
        console.print(f"{engine}: solved {s['solved']}/{len(rows)}, mean gap "
                      f"{s['mean_gap_pct']} %, worst {s['worst_gap_pct']} %, "
                      f"at optimum {s['at_optimum']}, CPU share {s['cpu_share']}")
    if "balise_vs_ortools" in summary:
        console.print(f"balise vs ortools: {summary['balise_vs_ortools']}")


def write_json(output: Path, args: argparse.Namespace, engines: tuple[str, ...],
               rows: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": "planner_solomon",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "time_limit_s": args.time_limit,
        "seed": args.seed,
        "jobs": args.jobs,
        "engines": list(engines),
        "versions": {"pyvrp": version("pyvrp"), "ortools": version("ortools"),
                     "python": platform.python_version()},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "convention": "distance objective; distances and times truncated to one decimal",
        "summary": summary,
        "instances": rows,
    }
    output.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-limit", type=float, default=30.0,
                        help="seconds per instance and engine (default 30)")
    parser.add_argument("--instances", help="comma-separated names or prefixes, e.g. C1,R101")
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help="balise, ortools or both (default both)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=1, help="parallel solver processes")
    parser.add_argument("--output", type=Path,
                        default=ROOT / "bench" / "results" / "planner_solomon.json")
    args = parser.parse_args(argv)
    engines = tuple(e for e in ENGINES if e in args.engines.split(","))
    paths = pick_instances(args.instances)
    if not paths or not engines:
        parser.error("no instance or no engine selected")
    # A log file is not a terminal: keep the table wide enough to read there too.
    console = Console(width=None if sys.stdout.isatty() else 120)
    found = solve_all(paths, engines, args.time_limit, args.seed, max(1, args.jobs), console)
    rows = build_rows(paths, engines, found)
    summary = summarize(rows, engines)
    print_table(rows, engines, summary, args.time_limit, console)
    write_json(args.output, args, engines, rows, summary)
    console.print(f"written {args.output}")
    return 0 if all(r[e]["feasible"] for r in rows for e in engines) else 1


if __name__ == "__main__":
    raise SystemExit(main())
