"""A synthetic establishment with millions of realized visits, for ``grid_evidence.py``.

Built directly with bulk inserts (not the demo generator, which simulates routes day by
day and would take hours at this size). The shape follows the design's scale: 1,000
workers in teams of 12, 30,000 clients, a year of visits, 20 acts whose times are
right-skewed and longer for heavier Iso-SMAF profiles, a quarter of visits with two or
three acts (a second act costs 80 % of its time alone: the set-up is shared).

The schema comes from Balise's own migrations, so the benchmark reads the real tables.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import Engine, text

from balise.core.db import make_engine
from balise.core.migrate import upgrade

FIRST_DAY = date(2025, 1, 6)  # a Monday
DAYS = 364
WORKERS, TEAM_SIZE, CLIENTS = 1000, 12, 30_000
SECOND_ACT_P, THIRD_ACT_P, SECONDARY_SHARE = 0.22, 0.04, 0.8
# code, reference time, median minutes at Iso-SMAF 1, lognormal sigma, weight
ACTS: tuple[tuple[str, int, float, float, float], ...] = (
    ("LAV_OREILLE", 15, 20, 0.35, 0.5), ("PLAIE_SIMPLE", 25, 23, 0.40, 6),
    ("BAIN", 45, 42, 0.30, 14), ("HYG_PARTIELLE", 25, 24, 0.35, 16),
    ("MED_ASSIST", 15, 12, 0.40, 12), ("INJECTION", 15, 14, 0.35, 3),
    ("SIGNES_VITAUX", 20, 22, 0.35, 9), ("PRELEVEMENT", 15, 15, 0.30, 2),
    ("STOMIE", 30, 32, 0.35, 1), ("PANSEMENT_COMPLEXE", 45, 45, 0.40, 2),
    ("SUIVI_PSYCHOSOCIAL", 60, 58, 0.40, 5), ("EVAL_PSYCHOSOCIALE", 90, 90, 0.35, 1),
    ("EVAL_ERGO", 90, 95, 0.35, 1), ("SUIVI_ERGO", 45, 45, 0.35, 3),
    ("EVAL_PHYSIO", 60, 62, 0.35, 1), ("EXERCICES_PHYSIO", 45, 47, 0.30, 3),
    ("EVAL_NUTRITION", 60, 62, 0.35, 0.5), ("SUIVI_NUTRITION", 40, 38, 0.35, 2),
    ("POST_DECES", 60, 55, 0.45, 0.3), ("LAV_OREILLES", 20, 28, 0.35, 0.3),
)
SMAF_WEIGHTS = (0.14, 0.12, 0.12, 0.11, 0.09, 0.09, 0.07, 0.06, 0.06, 0.05, 0.03, 0.03, 0.02,
                0.01)


@dataclass(frozen=True)
class Frames:
    """Column arrays of every table, ready to insert."""

    visits: dict[str, np.ndarray]
    visit_acts: dict[str, np.ndarray]
    clients: dict[str, np.ndarray]
    workers: dict[str, np.ndarray]
    teams: int


def simulate(visits: int, seed: int = 7) -> Frames:
    rng = np.random.default_rng(seed)
    teams = WORKERS // TEAM_SIZE + (WORKERS % TEAM_SIZE > 0)
    worker_team = np.arange(WORKERS) // TEAM_SIZE
    client_team = np.arange(CLIENTS) % teams
    smaf = rng.choice(np.arange(1, 15), CLIENTS, p=np.array(SMAF_WEIGHTS) / sum(SMAF_WEIGHTS))
    worker = rng.integers(0, WORKERS, visits)
    team = worker_team[worker]
    # A client of the worker's own team: clients are dealt to teams round-robin.
    per_team = CLIENTS // teams
    client = team + teams * rng.integers(0, per_team, visits)
    weekdays = np.array([d for d in range(DAYS) if d % 7 < 5])
    day = np.sort(rng.choice(weekdays, visits))
    weights = np.array([a[4] for a in ACTS])
    n_acts = 1 + (rng.random(visits) < SECOND_ACT_P) + (rng.random(visits) < THIRD_ACT_P)
    first = rng.choice(len(ACTS), visits, p=weights / weights.sum())
    # Later acts are distinct from the first by an offset that never wraps onto it.
    second = (first + rng.integers(1, len(ACTS) - 1, visits)) % len(ACTS)
    third = (second + rng.integers(1, len(ACTS) - 1, visits)) % len(ACTS)
    third = np.where(third == first, (third + 1) % len(ACTS), third)
    median = np.array([a[2] for a in ACTS])
    sigma = np.array([a[3] for a in ACTS])
    scale = 1 + 0.03 * (smaf[client] - 1)

    def draw(act: np.ndarray) -> np.ndarray:
        return np.asarray(rng.lognormal(np.log(median[act] * scale), sigma[act]))

    minutes = draw(first)
    minutes += np.where(n_acts >= 2, SECONDARY_SHARE * draw(second), 0.0)
    minutes += np.where(n_acts >= 3, SECONDARY_SHARE * draw(third), 0.0)
    minutes = np.maximum(3, np.rint(minutes)).astype(np.int64)
    start = 480 + rng.integers(0, 420, visits)
    ids = np.arange(1, visits + 1)
    refs = np.array([a[1] for a in ACTS])
    planned = refs[first] + np.where(n_acts >= 2, refs[second], 0) + np.where(
        n_acts >= 3, refs[third], 0)
    va_visit = np.concatenate([ids, ids[n_acts >= 2], ids[n_acts >= 3]])
    va_act = np.concatenate([first, second[n_acts >= 2], third[n_acts >= 3]]) + 1
    return Frames(
        visits={"id": ids, "team_id": team + 1, "client_id": client + 1, "worker_id": worker + 1,
                "day": day, "start": start, "minutes": minutes, "planned": planned},
        visit_acts={"visit_id": va_visit, "act_id": va_act},
        clients={"team_id": client_team + 1, "iso_smaf": smaf},
        workers={"team_id": worker_team + 1},
        teams=teams,
    )


def _timestamps(day: np.ndarray, minute: np.ndarray) -> list[str]:
    """SQLAlchemy's SQLite text form of a naive datetime: ``YYYY-MM-DD HH:MM:SS.ffffff``."""
    base = np.datetime64(FIRST_DAY.isoformat(), "m")
    stamps = base + (day * 1440 + minute).astype("timedelta64[m]")
    text_ = np.datetime_as_string(stamps.astype("datetime64[us]"), unit="us")
    return [s.replace("T", " ") for s in text_.tolist()]


def _days(day: np.ndarray) -> list[str]:
    base = np.datetime64(FIRST_DAY.isoformat(), "D")
    return [str(d) for d in np.datetime_as_string(base + day.astype("timedelta64[D]"), unit="D")]


def _reference_rows() -> list[tuple[int, int, int, str, str, str | None]]:
    """Each act's current time (a committee decision) and, for the two acts the seed
    names, the firm's imposed 15 minutes before it."""
    rows: list[tuple[int, int, int, str, str, str | None]] = []
    adopted = (FIRST_DAY - timedelta(days=180)).isoformat()
    for i, (code, ref, *_rest) in enumerate(ACTS, start=1):
        if code in ("PLAIE_SIMPLE",):
            rows.append((len(rows) + 1, i, 15, "2023-01-01", "Firme externe", None))
        rows.append((len(rows) + 1, i, ref, adopted, "Comité paritaire local", "2024-001"))
    return rows


def _static_rows(frames: Frames) -> dict[str, tuple[str, list[tuple[object, ...]]]]:
    teams = range(1, frames.teams + 1)
    return {
        "establishment": ("id, code, name", [(1, "BENCH", "Établissement de mesure")]),
        "site": ("id, establishment_id, name, kind, lat, lon",
                 [(1, 1, "CLSC", "urban", 46.8, -71.2)]),
        "team": ("id, establishment_id, site_id, code, name, planning_quantile, margin_minutes",
                 [(t, 1, 1, f"T{t:03d}", f"Équipe {t}", 0.8, 0) for t in teams]),
        "worker": ("id, establishment_id, team_id, home_site_id, code, name, profession, "
                   "skills, active",
                   [(w + 1, 1, int(t), 1, f"W{w:04d}", f"Worker {w}", "nurse", "[]", True)
                    for w, t in enumerate(frames.workers["team_id"])]),
        "client": ("id, establishment_id, team_id, code, lat, lon, iso_smaf, active_since",
                   [(c + 1, 1, int(t), f"C{c:05d}", 46.8, -71.2, int(s), "2024-01-01")
                    for c, (t, s) in enumerate(zip(frames.clients["team_id"],
                                                   frames.clients["iso_smaf"], strict=True))]),
        "act": ("id, code, label_fr, label_en, professions",
                [(i, code, code.title(), code.title(), "[]")
                 for i, (code, *_r) in enumerate(ACTS, start=1)]),
        "reference_time": ("id, act_id, minutes, valid_from, adopted_by, decision_ref",
                           list(_reference_rows())),
    }


def _visit_rows(frames: Frames, lo: int, hi: int) -> tuple[list[tuple[object, ...]], str]:
    v = {k: a[lo:hi] for k, a in frames.visits.items()}
    starts = _timestamps(v["day"], v["start"])
    ends = _timestamps(v["day"], v["start"] + v["minutes"])
    rows = list(zip(v["id"].tolist(), v["team_id"].tolist(), v["client_id"].tolist(),
                    v["worker_id"].tolist(), _days(v["day"]), v["planned"].tolist(), starts,
                    ends, strict=True))
    return rows, "id, team_id, client_id, worker_id, day, planned_minutes, realized_start, realized_end"


VISIT_CONSTANTS = {"establishment_id": 1, "window_start": 480, "window_end": 960,
                   "status": "done"}
CHUNK = 500_000


def build_sqlite(path: str, visits: int, progress: Callable[[int], None]) -> None:
    """Schema by migration, then rows through one raw connection without durability
    (a benchmark file, rebuilt if lost)."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    frames = simulate(visits)
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA journal_mode=OFF")
    for table, (columns, rows) in _static_rows(frames).items():
        marks = ", ".join("?" * len(rows[0]))
        db.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
    consts = ", ".join(VISIT_CONSTANTS)
    values = ", ".join(repr(v) for v in VISIT_CONSTANTS.values())
    for lo in range(0, visits, CHUNK):
        rows, columns = _visit_rows(frames, lo, lo + CHUNK)
        db.executemany(f"INSERT INTO visit ({columns}, {consts}) VALUES "
                       f"({', '.join('?' * 8)}, {values})", rows)
        progress(min(visits, lo + CHUNK))
    pairs = zip(frames.visit_acts["visit_id"].tolist(), frames.visit_acts["act_id"].tolist(),
                strict=True)
    db.executemany("INSERT INTO visit_act (visit_id, act_id, planned, done) VALUES (?, ?, 1, 1)",
                   pairs)
    db.commit()
    db.execute("ANALYZE")
    db.close()


def build_postgresql(engine: Engine, visits: int, progress: Callable[[int], None]) -> None:
    """Same rows through COPY, the fast path PostgreSQL offers for bulk loads."""
    upgrade(engine)
    frames = simulate(visits)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table, (columns, rows) in _static_rows(frames).items():
            _copy(cursor, table, columns, rows)
        consts = ", ".join(VISIT_CONSTANTS)
        extra = tuple(VISIT_CONSTANTS.values())
        for lo in range(0, visits, CHUNK):
            rows, columns = _visit_rows(frames, lo, lo + CHUNK)
            _copy(cursor, "visit", f"{columns}, {consts}", [(*r, *extra) for r in rows])
            progress(min(visits, lo + CHUNK))
        pairs = zip(frames.visit_acts["visit_id"].tolist(), frames.visit_acts["act_id"].tolist(),
                    strict=True)
        _copy(cursor, "visit_act", "visit_id, act_id, planned, done",
              [(v, a, True, True) for v, a in pairs])
        for table in ("establishment", "site", "team", "worker", "client", "act",
                      "reference_time", "visit"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT max(id) FROM {table}))")
        raw.commit()
    finally:
        raw.close()
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


def _copy(cursor: object, table: str, columns: str, rows: list[tuple[object, ...]]) -> None:
    # psycopg's own row writer (C) is several times faster than formatting lines here.
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        for row in rows:
            copy.write_row(row)
