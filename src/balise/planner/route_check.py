"""Re-checking one worker's route after a visit is moved by hand: pure rules.

A team lead moves a visit to another worker or day; the visit goes where it adds the
least to the route's end (every position is tried), the route is timed again from the
shift's start (travel, waiting for a window to open), and each rule a plan must hold is
checked: the profession, the shift, every visit's window, and the lateness risk against
the team's maximum. Breaking a rule gives a warning, never a refusal: the lead knows
things the plan does not (clinical judgment wins), so a warned move can still be made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from balise.core.i18n import gettext as _
from balise.core.i18n import lazy
from balise.grid.day_load import Shift

# Each warning's message; the parameters are filled in when shown.
MOVE_WARNINGS: dict[str, str] = {
    "no_shift": lazy("{worker} has no shift on {day}."),
    "profession": lazy("{worker}'s profession is not among those allowed for this visit's acts."),
    "window": lazy("Visit #{visit} would start at {start}, outside its window {window_start}–{window_end}."),
    "shift": lazy("{worker}'s day would end at {end} with the meal break, after the shift's end at {shift_end}."),
    "risk": lazy("The risk that {worker}'s day ends late would be {risk} %, above the team's maximum of {max_risk} %."),
}


@dataclass(frozen=True)
class RouteVisit:
    visit_id: int
    place: int  # index into the travel matrix (0 is the site)
    window_start: int
    window_end: int
    minutes: int
    act_ids: tuple[int, ...]


@dataclass(frozen=True)
class TimedStop:
    visit: RouteVisit
    travel_before: float
    start: int
    end: int


@dataclass(frozen=True)
class MoveWarning:
    code: str
    params: dict[str, object] = field(default_factory=dict)


Travel = Callable[[int, int], float]


def timed(route: Sequence[RouteVisit], shift_start: int, travel: Travel) -> list[TimedStop]:
    """Each visit starts when the worker arrives, or when its window opens if later."""
    stops, clock, here = [], float(shift_start), 0
    for visit in route:
        leg = travel(here, visit.place)
        start = max(clock + leg, float(visit.window_start))
        stops.append(TimedStop(visit, leg, round(start), round(start) + visit.minutes))
        clock, here = float(round(start) + visit.minutes), visit.place
    return stops


def day_end(stops: Sequence[TimedStop], shift: Shift, travel: Travel) -> int:
    """Back at the site, meal break included (it is taken somewhere in the day)."""
    if not stops:
        return shift.start
    return round(stops[-1].end + travel(stops[-1].visit.place, 0)) + shift.break_minutes


def _late_starts(stops: Sequence[TimedStop]) -> int:
    return sum(1 for s in stops if s.start > s.visit.window_end)


def insert_best(route: Sequence[RouteVisit], moved: RouteVisit, shift: Shift,
                travel: Travel) -> list[TimedStop]:
    """The route with ``moved`` where it breaks the fewest windows, then ends earliest."""
    best: tuple[tuple[int, int], list[TimedStop]] | None = None
    for position in range(len(route) + 1):
        candidate = [*route[:position], moved, *route[position:]]
        stops = timed(candidate, shift.start, travel)
        key = (_late_starts(stops), day_end(stops, shift, travel))
        if best is None or key < best[0]:
            best = (key, stops)
    assert best is not None  # range(len + 1) is never empty
    return best[1]


def route_warnings(stops: Sequence[TimedStop], shift: Shift | None, travel: Travel,
                   risk: float, max_risk: float) -> list[MoveWarning]:
    """What a route breaks, in the order a team lead reads it: shift, windows, risk."""
    if shift is None:
        return [MoveWarning("no_shift")]
    warnings = []
    end = day_end(stops, shift, travel)
    if end > shift.end:
        warnings.append(MoveWarning("shift", {"end": end, "shift_end": shift.end}))
    for stop in stops:
        if not stop.visit.window_start <= stop.start <= stop.visit.window_end:
            warnings.append(MoveWarning("window", {
                "visit": stop.visit.visit_id, "start": stop.start,
                "window_start": stop.visit.window_start, "window_end": stop.visit.window_end}))
    if risk > max_risk:
        warnings.append(MoveWarning("risk", {"risk": round(risk * 100),
                                             "max_risk": round(max_risk * 100)}))
    return warnings


def _clock(minutes: object) -> str:
    value = int(minutes) if isinstance(minutes, int | float) else 0
    return f"{value // 60:02d}:{value % 60:02d}"


def describe(warning: MoveWarning, worker: str, day: str) -> str:
    """The warning as a sentence in the reader's language, times as HH:MM."""
    params = {key: _clock(value) if key in ("start", "window_start", "window_end", "end",
                                            "shift_end") else value
              for key, value in warning.params.items()}
    return _(MOVE_WARNINGS[warning.code]).format(worker=worker, day=day, **params)
