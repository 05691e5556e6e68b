"""A territory-day at scale: 1,000 visits and 60 workers, against planning by hand.

Protocol
    A synthetic urban territory-day is built in memory (seeded): one CLSC site in
    Quebec City, 1,000 visits at clients' homes within ``--radius-km`` of it (denser
    near the centre), 60 workers with 8-hour shifts (07:30-15:30, 08:00-16:00 or
    08:30-16:30) and a 30-minute meal break; professions and visit kinds as in home
    care: auxiliaries (ASSS) for hygiene and baths, nursing assistants and nurses for
    medication and wound care; windows of the morning, the afternoon, the whole day
    or one hour (medication). Planned durations: 10 to 45 minutes. Travel: the straight
    line × 1.35 ÷ 28 km/h (the urban profile of ``planner/travel.py``).

    Balise: the same UHHC instance and weights as ``planner/team_day.plan_day``, solved
    as ``plan_day`` does (``planner/slack.py``) under a wall-clock budget: searched with
    each shift ending earlier by the reserve (the 90th percentile of a typical route's
    overrun, ``lateness.planning_reserve``), then routes still above the maximum repaired
    by moving visits or leaving them out for that reason. The lateness risk is simulated
    from durations drawn around the planned ones (log-normal, 25 % spread), with the
    team's default maximum of 10 %; the table reports the routes above it after the
    repair, the visits moved and those left out for risk.

    By hand: the greedy nearest-next-visit baseline, what a coordinator does on a
    board. The worker who is free earliest takes the nearest visit they are qualified
    for that can start within its window and still let them get back by the end of
    the shift (the meal break taken at noon); a worker with no such visit goes home.

    Travel hours saved per week = (baseline travel per visit − Balise travel per visit)
    × visits Balise places × 5 days, claimed only when Balise places at least as many
    visits (the visits it places beyond the baseline are reported apart); each hour of
    travel saved is an hour a worker can give to care, also shown as visits of the
    day's mean duration.
    The whole plan is also checked by the UHHC evaluator (no hard violation).

Usage
    .venv/bin/python bench/planner_scale.py                 # 1,000 visits, 60 workers, 55 s
    .venv/bin/python bench/planner_scale.py --visits 200 --workers 12 --time-limit 10
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from balise.grid.week_plan import DurationModel
from balise.planner.lateness import (
    DEFAULT_MAX_RISK,
    DayRisk,
    RouteStop,
    day_risk,
    planning_reserve,
)
from balise.planner.slack import solve_keeping_slack
from balise.planner.team_day import LUNCH, PlanSettings, _weights
from balise.planner.travel import PROFILES, straight_line_matrix
from balise.planner.uhhc.evaluate import evaluate
from balise.planner.uhhc.instance import (
    Caregiver,
    Instance,
    Patient,
    RequiredService,
    Service,
    TerminalPoint,
    TimeWindow,
)
from balise.planner.uhhc.search import solve_uhhc
from balise.planner.uhhc.solution import Solution

ROOT = Path(__file__).resolve().parents[1]
SITE = (46.8139, -71.2080)  # Quebec City
# (kind, share, minutes choices, professions allowed, act id)
KINDS = [
    ("medication", 0.30, (10,), ("nursing_assistant", "nurse"), 1),
    ("hygiene", 0.35, (15,), ("auxiliary",), 2),
    ("bath", 0.20, (25,), ("auxiliary",), 3),
    ("wound", 0.15, (15,), ("nurse", "nursing_assistant"), 4),
]
STAFF = [("auxiliary", 0.62), ("nursing_assistant", 0.26), ("nurse", 0.12)]
SHIFTS = [(7 * 60 + 30, 15 * 60 + 30), (8 * 60, 16 * 60), (8 * 60 + 30, 16 * 60 + 30)]


@dataclass(frozen=True)
class Day:
    instance: Instance
    acts: dict[str, int]  # patient id -> act id
    minutes: dict[str, int]
    windows: dict[str, tuple[int, int]]
    professions: dict[str, tuple[str, ...]]
    staff: dict[str, str]  # caregiver id -> profession


def build_day(visits: int, workers: int, radius_km: float, seed: int,
              settings: PlanSettings) -> Day:
    rng = random.Random(seed)
    points = [SITE]
    patients, acts, minutes, windows, allowed = [], {}, {}, {}, {}
    services: dict[tuple[str, ...], str] = {}
    for n in range(visits):
        # Denser near the centre: the square root would be uniform over the disc.
        distance = radius_km * rng.random() ** 0.8
        angle = rng.uniform(0, 2 * math.pi)
        points.append((SITE[0] + distance * math.sin(angle) / 111.0,
                       SITE[1] + distance * math.cos(angle)
                       / (111.0 * math.cos(math.radians(SITE[0])))))
        kind = rng.choices(KINDS, weights=[k[1] for k in KINDS])[0]
        length = rng.choice(kind[2])
        draw = rng.random()
        if kind[0] == "medication" and draw < 0.4:
            hour = rng.choice((8, 9, 12, 13))
            window = (hour * 60, hour * 60 + 60)
        elif draw < 0.3:
            window = (8 * 60, 12 * 60)
        elif draw < 0.45:
            window = (12 * 60, 16 * 60)
        else:
            window = (8 * 60, 16 * 60)
        pid = f"v{n + 1}"
        service = services.setdefault(kind[3], f"s{len(services)}")
        patients.append(Patient(
            id=pid, required_services=(RequiredService(service, float(length)),),
            location=n + 1, time_windows=(TimeWindow(float(window[0]), float(window[1])),),
            optional=True))
        acts[pid], minutes[pid], windows[pid], allowed[pid] = kind[4], length, window, kind[3]
    caregivers, staff = [], {}
    for w in range(workers):
        profession = rng.choices([s[0] for s in STAFF], weights=[s[1] for s in STAFF])[0]
        start, end = rng.choice(SHIFTS)
        cid = f"w{w + 1}"
        staff[cid] = profession
        caregivers.append(Caregiver(
            id=cid, abilities=frozenset(s for profs, s in services.items() if profession in profs),
            departing_point="site", arrival_point="site",
            working_shift=TimeWindow(float(start), float(end)), lunch_break=True))
    matrix = straight_line_matrix(points, PROFILES["urban"])
    instance = Instance(
        name=f"scale-{visits}-{workers}", origin="balise-bench",
        time_window_met="at_service_start", weights=_weights(settings),
        distances=tuple(tuple(row) for row in matrix),
        terminal_points=(TerminalPoint("site", 0),), caregivers=tuple(caregivers),
        patients=tuple(patients), services=tuple(Service(s, s) for s in services.values()),
        lunch_breaks=LUNCH)
    return Day(instance, acts, minutes, windows, allowed, staff)


def duration_model(day: Day, seed: int) -> DurationModel:
    """Realized durations spread around the planned ones (log-normal, 25 %)."""
    rng = np.random.default_rng(seed)
    by_act: dict[int, list[float]] = {}
    for pid, act in day.acts.items():
        by_act.setdefault(act, []).extend(
            rng.lognormal(math.log(day.minutes[pid]), 0.25, 20).tolist())
    return DurationModel({a: np.asarray(v) for a, v in by_act.items()}, {})


def assessor(day: Day, model: DurationModel) -> object:
    location = {p.id: p.location for p in day.instance.patients}
    shifts = {c.id: c.working_shift for c in day.instance.caregivers}
    dist = day.instance.distances

    def assess(solution: Solution) -> dict[str, DayRisk]:
        risks = {}
        for route in solution.routes:
            here, stops = 0, []
            for visit in sorted((v for v in route.visits or () if not v.is_lunch),
                                key=lambda v: v.start):
                there = location[visit.patient]
                stops.append(RouteStop((day.acts[visit.patient],),
                                       day.windows[visit.patient][0], dist[here][there]))
                here = there
            shift = shifts[route.caregiver]
            assert shift is not None
            risks[route.caregiver] = day_risk(stops, int(shift.start), int(shift.end),
                                              LUNCH.min_duration, model, DEFAULT_MAX_RISK)
        return risks

    return assess


def greedy(day: Day) -> tuple[int, float]:
    """Nearest next visit, worker free earliest first. Returns (placed, travel minutes)."""
    dist = day.instance.distances
    left = {p.id: p.location for p in day.instance.patients}
    state = []
    for c in day.instance.caregivers:
        assert c.working_shift is not None
        state.append([c.working_shift.start, 0, c, False, True])  # clock, place, cg, lunched, on
    travel, placed = 0.0, 0
    while any(s[4] for s in state) and left:
        s = min((s for s in state if s[4]), key=lambda s: s[0])
        clock, here, cg, lunched, _on = s
        if not lunched and clock >= 12 * 60:
            clock += LUNCH.min_duration
            s[3] = True
        assert cg.working_shift is not None
        best = None
        for pid, place in left.items():
            if day.instance.patients[place - 1].required_services[0].service not in cg.abilities:
                continue
            arrive = clock + dist[here][place]
            start = max(arrive, day.windows[pid][0])
            end = start + day.minutes[pid]
            lunch = 0 if lunched or end < 12 * 60 else LUNCH.min_duration
            if start > day.windows[pid][1] or end + lunch + dist[place][0] > cg.working_shift.end:
                continue
            # Nearest in time: the visit that can begin soonest (travel, then any wait
            # for its window), the nearer one on a tie.
            key = (start, dist[here][place])
            if best is None or key < best[0]:
                best = (key, pid, place, end)
        if best is None:
            travel += dist[here][0]
            s[4] = False
            continue
        key, pid, place, end = best
        travel += key[1]
        placed += 1
        del left[pid]
        s[0], s[1] = end, place
    for s in state:
        if s[4]:
            travel += dist[s[1]][0]
    return placed, travel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=60)
    parser.add_argument("--radius-km", type=float, default=4.0)
    parser.add_argument("--time-limit", type=float, default=55.0,
                        help="search budget in seconds (building and checking come on top)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--balance-cost", type=float, default=PlanSettings().balance_cost,
                        help="weight of the most idle worker's spare minutes (0: no balancing)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "planner_scale.json")
    args = parser.parse_args()

    day = build_day(args.visits, args.workers, args.radius_km, args.seed,
                    PlanSettings(balance_cost=args.balance_cost))
    model = duration_model(day, args.seed)
    started = time.perf_counter()
    reserve = planning_reserve([((day.acts[p],), float(day.minutes[p])) for p in day.acts],
                               math.ceil(args.visits / args.workers), model, DEFAULT_MAX_RISK)
    result = solve_keeping_slack(
        day.instance, lambda i, s: solve_uhhc(i, s, args.seed), assessor(day, model),  # type: ignore[arg-type]
        DEFAULT_MAX_RISK, args.time_limit,
        {c.id: reserve for c in day.instance.caregivers}, args.seed)
    planned_s = time.perf_counter() - started
    check = evaluate(day.instance, result.solution)
    placed = sum(1 for r in result.solution.routes for v in r.visits or () if not v.is_lunch)
    travel = check.values["travel_time"]
    base_placed, base_travel = greedy(day)
    care = sum(day.minutes.values()) / len(day.minutes)
    # Same work, less travel: the baseline's travel per visit over the visits Balise
    # places (it places at least as many; the extra visits are care on top).
    per_visit_gain = base_travel / max(base_placed, 1) - travel / max(placed, 1)
    saved_week_h = per_visit_gain * placed * 5 / 60 if placed >= base_placed else None
    over = sum(1 for r in result.risks.values() if r.risk > DEFAULT_MAX_RISK)

    table = Table(title=f"{args.visits} visits, {args.workers} workers, one day")
    for column in ("plan", "placed", "travel h", "travel min / visit", "seconds"):
        table.add_column(column, justify="right")
    table.add_row("Balise (UHHC, reserve + repair)", str(placed), f"{travel / 60:.1f}",
                  f"{travel / max(placed, 1):.1f}", f"{planned_s:.1f}")
    table.add_row("by hand (nearest next)", str(base_placed), f"{base_travel / 60:.1f}",
                  f"{base_travel / max(base_placed, 1):.1f}", "")
    console = Console()
    console.print(table)
    console.print(f"hard violations: {len(check.violations)}; routes above 10 % risk: {over}; "
                  f"reserve kept while searching: {reserve:.0f} min; visits moved off risky "
                  f"routes: {result.moved}; left out for risk: {len(result.left_for_risk)}")
    if saved_week_h is not None:
        console.print(f"travel saved: {saved_week_h:.1f} h per week (5 days) = "
                      f"{saved_week_h:.1f} h of care, about {saved_week_h * 60 / care:.0f} "
                      f"visits of {care:.0f} min; and {placed - base_placed} more visits "
                      f"placed each day")
    else:
        console.print("Balise placed fewer visits than the baseline: no saving claimed")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(), "python": sys.version.split()[0],
        "visits": args.visits, "workers": args.workers, "radius_km": args.radius_km,
        "time_limit_s": args.time_limit, "seed": args.seed,
        "balance_cost": args.balance_cost, "wall_s": round(planned_s, 2),
        "balise": {"placed": placed, "travel_min": travel, "violations": len(check.violations),
                   "routes_above_max_risk": over, "reserve_min": reserve,
                   "moved_for_risk": result.moved,
                   "left_out_for_risk": len(result.left_for_risk)},
        "greedy": {"placed": base_placed, "travel_min": base_travel},
        "saved_travel_hours_per_week": saved_week_h, "mean_visit_minutes": care,
    }, indent=2))


if __name__ == "__main__":
    main()
