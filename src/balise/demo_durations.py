"""How long things take in the demo: travel between homes and the minutes of a visit.

Pure functions of their arguments and of the random generator they are given, so that
the shape of the data (right skew, heavier profiles, rare long tails with their
reason) can be read and tested apart from the simulation that calls them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from balise import demo_catalogue as p

SPECS = {s.code: s for s in p.ACTS}


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((phi2 - phi1) / 2) ** 2
         + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def travel_minutes(lat1: float, lon1: float, lat2: float, lon2: float, kind: str) -> float:
    """Straight-line distance × detour factor ÷ speed, plus parking and walking."""
    return (distance_km(lat1, lon1, lat2, lon2) * p.DETOUR / p.SPEED_KMH[kind] * 60
            + p.PARKING_MINUTES[kind])


def window(acts: list[str]) -> tuple[int, int]:
    """The acts' common window, or the first act's when they have none in common."""
    start = max(SPECS[a].window[0] for a in acts)
    end = min(SPECS[a].window[1] for a in acts)
    return (start, end) if start < end else SPECS[acts[0]].window


def expected_minutes(act: str, iso_smaf: int) -> float:
    """The median minutes of one act for a client of this profile, before any event."""
    spec = SPECS[act]
    return spec.median * (1 + spec.smaf_slope * (iso_smaf - 1))


def draw_minutes(rng: np.random.Generator, act: str, iso_smaf: int) -> float:
    return float(rng.lognormal(math.log(expected_minutes(act, iso_smaf)), SPECS[act].sigma))


@dataclass
class Realized:
    minutes: int  # as the worker writes them down
    reasons: list[str] = field(default_factory=list)
    added: str | None = None  # an act done that the plan did not hold
    note: str | None = None
    referral: str | None = None  # assessment act asked of another profession


def realize(rng: np.random.Generator, profession: str, iso_smaf: int,
            acts: list[str]) -> Realized:
    """Right-skewed minutes by act, longer for heavier profiles, with rare long tails
    that carry their clinical reason."""
    total = sum(draw_minutes(rng, a, iso_smaf) * (1.0 if i == 0 else p.SECONDARY_ACT_SHARE)
                for i, a in enumerate(acts))
    out = Realized(0)
    if rng.random() < p.TAIL_P[0] + p.TAIL_P[1] * (iso_smaf - 1):
        total *= 1 + rng.lognormal(math.log(p.TAIL_EXTRA_MEDIAN), p.TAIL_EXTRA_SIGMA)
        reason = str(rng.choice(p.TAIL_REASONS, p=p.TAIL_REASON_WEIGHTS[p.band(iso_smaf)]))
        out.reasons.append(reason)
        if reason == "NOUVEAU_PROBLEME" and rng.random() < p.REFERRAL_P:
            act = str(rng.choice(list(p.ASSESSMENT.values())))
            if profession not in SPECS[act].professions:
                out.referral = act
    for chance, extra, code in ((p.ACCESS_P, p.ACCESS_MINUTES, "ACCES"),
                                (p.DOCUMENTATION_P, p.DOCUMENTATION_MINUTES, "DOCUMENTATION")):
        if rng.random() < chance:
            total += rng.uniform(*extra)
            out.reasons.append(code)
    extras = [a for a in p.ADDED_ACTS.get(profession, ()) if a not in acts]
    if extras and rng.random() < p.ADDED_ACT_P:
        out.added = str(rng.choice(extras))
        total += draw_minutes(rng, out.added, iso_smaf) * p.SECONDARY_ACT_SHARE
    if rng.random() < p.NOTE_P:
        out.note = str(rng.choice(p.NOTES))
    # People write durations down rounded to five minutes about as often as not.
    heaped = rng.random() < p.HEAPING_P
    out.minutes = max(3, 5 * max(1, round(total / 5)) if heaped else round(total))
    return out
