"""The SQL of the indicator engine, written once and run in two places.

Stage 1 reduces the year's visits to one row per worker and day (``WORKER_DAYS``): it
runs in the database (SQLite or PostgreSQL) over CTEs, or in DuckDB over the same
columns pulled into arrays first; the text after the shared CTEs is identical, so the
two engines cannot drift apart (a test checks they agree). Stage 2 (``PERIODS`` and the
waiting-list queries) always runs in DuckDB over the worker-day rows, which are about a
twentieth of the visits.

Days are integers (days since 1970-01-01, a Thursday) everywhere: the databases disagree
on date arithmetic, integers do not. Weekday: ``(day + 3) % 7`` with Monday = 0.
"""

from __future__ import annotations

# Minutes are rounded to the hundredth: SQLite's julianday() carries a little float
# noise, and a visit of exactly its reference time must not count as above it.
DIALECT_EXPRESSIONS: dict[str, dict[str, str]] = {
    "sqlite": {
        "dayn": "CAST(julianday({col}) - 2440587.5 AS INTEGER)",
        "minutes": "ROUND((julianday({end}) - julianday({start})) * 1440.0, 2)",
        "offset": "ROUND((julianday({at}) - julianday({day})) * 1440.0, 2)",
    },
    # date_part() is double precision (EXTRACT is numeric, several times slower); the
    # seconds of a timestamp are exact in a double, so no rounding is needed here.
    "postgresql": {
        "dayn": "({col} - DATE '1970-01-01')",
        "minutes": "date_part('epoch', {end} - {start}) / 60.0",
        "offset": "date_part('epoch', {at} - CAST({day} AS TIMESTAMP)) / 60.0",
    },
}


def visit_columns(dialect: str) -> str:
    """The per-visit columns stage 1 needs, computed by the database."""
    e = DIALECT_EXPRESSIONS[dialect]
    return ", ".join([
        "v.id", "v.team_id", "v.worker_id", "v.client_id",
        e["dayn"].format(col="v.day") + " AS dayn",
        e["minutes"].format(start="v.realized_start", end="v.realized_end") + " AS minutes",
        e["offset"].format(at="v.realized_start", day="v.day") + " AS start_off",
        e["offset"].format(at="v.realized_end", day="v.day") + " AS end_off",
        "v.travel_minutes",
    ])


# Only done visits with a worker are work done; the period filter is on the raw column
# so that the index on (establishment, day) can serve it.
VISIT_FILTER = ("v.establishment_id = :establishment AND v.status = 'done' "
                "AND v.worker_id IS NOT NULL AND v.day >= :first")
# Acts and reasons are keyed by visit id first. Visits are created roughly in day order,
# so the first visit of the window bounds the ids to read: the databases then read a
# range of the primary key instead of every act of every year (PostgreSQL chose a scan
# of all 6.3 million acts to refresh four weeks). Always correct, merely faster when ids
# follow days.
# "+ 0" keeps PostgreSQL from walking the primary key from its start to find the
# minimum; it reads the window through the (establishment, day) index instead.
FIRST_VISIT = ("(SELECT MIN(v0.id + 0) FROM visit v0 WHERE v0.establishment_id = :establishment "
               "AND v0.day >= :first)")


def visits_select(dialect: str) -> str:
    return f"SELECT {visit_columns(dialect)} FROM visit v WHERE {VISIT_FILTER}"


def done_acts_select() -> str:
    return ("SELECT va.visit_id, va.act_id FROM visit_act va JOIN visit v ON v.id = va.visit_id "
            f"WHERE va.done AND va.visit_id >= {FIRST_VISIT} AND {VISIT_FILTER}")


def clinical_select() -> str:
    return ("SELECT DISTINCT vr.visit_id FROM visit_reason vr "
            "JOIN variance_reason r ON r.id = vr.reason_id "
            "JOIN visit v ON v.id = vr.visit_id "
            f"WHERE r.category = 'clinical' AND vr.visit_id >= {FIRST_VISIT} AND {VISIT_FILTER}")


CLIENTS_SELECT = "SELECT id, usual_worker_id FROM client WHERE establishment_id = :establishment"
WORKERS_SELECT = "SELECT id, profession FROM worker WHERE establishment_id = :establishment"


def values_cte(name: str, columns: tuple[str, ...], rows: int) -> str:
    """``name(col, …) AS (VALUES (:name_0_0, …), …)`` with bound parameters, ``rows``
    of them (callers always pass at least one: VALUES cannot be empty)."""
    tuples = ", ".join(
        "(" + ", ".join(f":{name}_{r}_{c}" for c in range(len(columns))) + ")"
        for r in range(rows))
    return f"{name}({', '.join(columns)}) AS (VALUES {tuples})"


# Rows that match nothing, for a table that would otherwise be empty; typed like real
# rows so that PostgreSQL infers the same column types.
DUMMY_ROWS: dict[str, tuple[object, ...]] = {
    "eras": (-1, 0, 0, 0),
    "allowed": (-1, ""),
    "scoped": (-1,),
}
# A reference time still in force has no end; this day number (year 4707) stands for it.
OPEN_END = 1_000_000


# In the database all inputs are CTEs; in DuckDB they are arrays registered under the
# same names (visits, done_acts, clinical, client_usual, worker_profession, eras, allowed,
# scoped).
def database_ctes(dialect: str, eras: int, allowed: int, scoped: int,
                  only: str | None = None) -> str:
    """``only``: a further condition on the visit ``v`` (some worker-days, for the
    summaries' upkeep); the acts and reasons are then read through those visits."""
    if only is None:
        visits, acts, reasons = visits_select(dialect), (
            # No filter on the visit here: both are joined to ``visits``, which filters.
            f"SELECT va.visit_id, va.act_id FROM visit_act va "
            f"WHERE va.done AND va.visit_id >= {FIRST_VISIT}"), (
            "SELECT DISTINCT vr.visit_id FROM visit_reason vr "
            "JOIN variance_reason r ON r.id = vr.reason_id "
            f"WHERE r.category = 'clinical' AND vr.visit_id >= {FIRST_VISIT}")
    else:
        visits = f"{visits_select(dialect)} AND {only}"
        acts = ("SELECT va.visit_id, va.act_id FROM visit_act va JOIN visit v "
                f"ON v.id = va.visit_id WHERE va.done AND {VISIT_FILTER} AND {only}")
        reasons = ("SELECT DISTINCT vr.visit_id FROM visit_reason vr "
                   "JOIN variance_reason r ON r.id = vr.reason_id "
                   f"JOIN visit v ON v.id = vr.visit_id WHERE r.category = 'clinical' "
                   f"AND {VISIT_FILTER} AND {only}")
    return ",\n".join([
        f"visits AS ({visits})",
        f"done_acts AS ({acts})",
        f"clinical AS ({reasons})",
        f"client_usual AS ({CLIENTS_SELECT})",
        f"worker_profession AS ({WORKERS_SELECT})",
        values_cte("eras", ("act_id", "valid_from", "valid_to", "minutes"), eras),
        values_cte("allowed", ("act_id", "profession"), allowed),
        values_cte("scoped", ("act_id",), scoped),
    ])


ACTS_AND_WORKER_DAYS = """
acts AS (
  SELECT va.visit_id,
         COUNT(*) AS acts_done,
         COUNT(e.minutes) AS acts_with_ref,
         SUM(e.minutes) AS ref_minutes,
         COUNT(s.act_id) AS acts_scoped,
         SUM(CASE WHEN s.act_id IS NOT NULL AND al.act_id IS NULL THEN 1 ELSE 0 END) AS acts_mismatch
  FROM done_acts va
  JOIN visits v ON v.id = va.visit_id
  JOIN worker_profession w ON w.id = v.worker_id
  LEFT JOIN eras e ON e.act_id = va.act_id AND v.dayn >= e.valid_from AND v.dayn < e.valid_to
  LEFT JOIN scoped s ON s.act_id = va.act_id
  LEFT JOIN allowed al ON al.act_id = va.act_id AND al.profession = w.profession
  GROUP BY va.visit_id
)
SELECT v.team_id, v.worker_id, v.dayn,
  COUNT(*) AS done,
  COUNT(v.minutes) AS timed,
  COALESCE(SUM(v.minutes), 0) AS realized_minutes,
  MIN(v.start_off) AS first_start,
  MAX(v.end_off) AS last_end,
  COUNT(v.travel_minutes) AS travel_known,
  COALESCE(SUM(v.travel_minutes), 0) AS travel_minutes,
  SUM(CASE WHEN c.usual_worker_id IS NOT NULL THEN 1 ELSE 0 END) AS with_usual,
  SUM(CASE WHEN c.usual_worker_id = v.worker_id THEN 1 ELSE 0 END) AS by_usual,
  SUM(CASE WHEN k.visit_id IS NOT NULL THEN 1 ELSE 0 END) AS clinical,
  SUM(CASE WHEN v.minutes IS NOT NULL AND a.acts_done > 0 AND a.acts_with_ref = a.acts_done
           THEN 1 ELSE 0 END) AS ref_known,
  SUM(CASE WHEN v.minutes IS NOT NULL AND a.acts_done > 0 AND a.acts_with_ref = a.acts_done
                AND v.minutes > a.ref_minutes THEN 1 ELSE 0 END) AS above_ref,
  COALESCE(SUM(a.acts_scoped), 0) AS acts_scoped,
  COALESCE(SUM(a.acts_mismatch), 0) AS acts_mismatch
FROM visits v
LEFT JOIN client_usual c ON c.id = v.client_id
LEFT JOIN acts a ON a.visit_id = v.id
LEFT JOIN clinical k ON k.visit_id = v.id
GROUP BY v.team_id, v.worker_id, v.dayn
"""

WORKER_DAY_COLUMNS = ("team_id", "worker_id", "dayn", "done", "timed", "realized_minutes",
                      "first_start", "last_end", "travel_known", "travel_minutes",
                      "with_usual", "by_usual", "clinical", "ref_known", "above_ref",
                      "acts_scoped", "acts_mismatch")


# PostgreSQL: JIT compilation costs about two seconds on this query and saves less than
# that even at five million visits; the grouping needs memory rather than temporary files.
SESSION_SETTINGS = {"postgresql": ("SET LOCAL jit = off", "SET LOCAL work_mem = '256MB'")}


def worker_days_in_database(dialect: str, eras: int, allowed: int, scoped: int,
                            only: str | None = None) -> str:
    return (f"WITH {database_ctes(dialect, eras, allowed, scoped, only)},\n"
            f"{ACTS_AND_WORKER_DAYS}")


# The maintained worker-days (grid/summary_models.py), read instead of stage 1.
WORKER_DAYS_STORED = (f"SELECT {', '.join(WORKER_DAY_COLUMNS)} FROM worker_day "
                      "WHERE establishment_id = :establishment AND day >= :first")


WORKER_DAYS_IN_DUCKDB = f"WITH {ACTS_AND_WORKER_DAYS}"

# Stage 2 -----------------------------------------------------------------------------

PERIOD_OF = {
    "week": "({col} - (({col} + 3) % 7))",
    "month": "(CAST(date_trunc('month', DATE '1970-01-01' + CAST({col} AS INTEGER)) AS DATE)"
             " - DATE '1970-01-01')",
}

# Stage 2 first brings the worker-days down to one row per team, worker, week and month
# (a week across two months gives two rows): the day-level parts are applied there, and
# the grouping by scope, which joins every row to each scope holding its team, then
# reads a fifth of the rows.
# Paid minutes of a worked day: the usual shift of that weekday, else the mean of the
# worker's shifts (a day worked off-schedule was still paid). Overtime of a day: past
# the shift's end, or the whole span of visits on a day without a shift.
WORKER_WEEKS = """
WITH mean_shift AS (SELECT worker_id, AVG(paid) AS paid FROM shift GROUP BY worker_id),
days AS (
  SELECT wd.*, wd.dayn - ((wd.dayn + 3) % 7) AS week, {month} AS month,
         COALESCE(s.paid, m.paid, 0) AS paid,
         CASE WHEN s.end_minute IS NULL THEN wd.last_end - wd.first_start
              ELSE GREATEST(wd.last_end - s.end_minute, 0) END AS overtime
  FROM wd
  LEFT JOIN shift s ON s.worker_id = wd.worker_id AND s.weekday = (wd.dayn + 3) % 7
  LEFT JOIN mean_shift m ON m.worker_id = wd.worker_id
)
SELECT team_id, worker_id, week, month,
  worker_id * 100000 + week AS worker_week,
  MAX(CASE WHEN timed > 0 THEN 1 ELSE 0 END) AS timed_any,
  SUM(done) AS visits,
  SUM(realized_minutes) AS realized_minutes,
  SUM(CASE WHEN timed > 0 THEN paid ELSE 0 END) AS paid_timed,
  SUM(travel_minutes) AS travel_minutes,
  SUM(CASE WHEN travel_known > 0 THEN paid ELSE 0 END) AS paid_travel,
  SUM(CASE WHEN timed > 0 THEN COALESCE(overtime, 0) ELSE 0 END) AS overtime_minutes,
  SUM(with_usual) AS with_usual,
  SUM(by_usual) AS by_usual,
  SUM(clinical) AS clinical,
  SUM(ref_known) AS ref_known,
  SUM(above_ref) AS above_ref,
  SUM(acts_scoped) AS acts_scoped,
  SUM(acts_mismatch) AS acts_mismatch
FROM days
GROUP BY team_id, worker_id, week, month
"""

# One row per scope and period ("week" or "month" column of WORKER_WEEKS), with the
# unmet needs of the waiting list joined in.
PERIODS = """
WITH unmet AS (
  SELECT sm.scope_id, {requested} AS period, COUNT(*) AS unmet
  FROM waiting w JOIN scope_map sm ON sm.team_id = w.team_id
  WHERE w.unmet = 1
  GROUP BY sm.scope_id, period
),
base AS (
  SELECT sm.scope_id, ww.{period} AS period,
    COUNT(DISTINCT ww.worker_id) AS workers,
    SUM(ww.visits) AS visits,
    COUNT(DISTINCT ww.worker_week) AS worker_weeks,
    COUNT(DISTINCT CASE WHEN ww.timed_any = 1 THEN ww.worker_week END) AS worker_weeks_timed,
    SUM(ww.realized_minutes) AS realized_minutes,
    SUM(ww.paid_timed) AS paid_timed,
    SUM(ww.travel_minutes) AS travel_minutes,
    SUM(ww.paid_travel) AS paid_travel,
    SUM(ww.overtime_minutes) AS overtime_minutes,
    SUM(ww.with_usual) AS with_usual,
    SUM(ww.by_usual) AS by_usual,
    SUM(ww.clinical) AS clinical,
    SUM(ww.ref_known) AS ref_known,
    SUM(ww.above_ref) AS above_ref,
    SUM(ww.acts_scoped) AS acts_scoped,
    SUM(ww.acts_mismatch) AS acts_mismatch
  FROM ww JOIN scope_map sm ON sm.team_id = ww.team_id
  GROUP BY sm.scope_id, ww.{period}
)
SELECT base.*, COALESCE(unmet.unmet, 0) AS unmet
FROM base LEFT JOIN unmet ON unmet.scope_id = base.scope_id AND unmet.period = base.period
ORDER BY base.scope_id, base.period
"""

# need = -1 is "every need"; GROUPING SETS gives both in one pass.
WAITING_SIZE = """
SELECT sm.scope_id, COALESCE(w.act_id, -1) AS need, p.period, COUNT(*) AS waiting
FROM waiting w
JOIN scope_map sm ON sm.team_id = w.team_id
JOIN period_list p ON w.requested <= p.period_end AND (w.served IS NULL OR w.served > p.period_end)
GROUP BY GROUPING SETS ((sm.scope_id, p.period), (sm.scope_id, w.act_id, p.period))
"""

WAIT_MEDIAN = """
SELECT sm.scope_id, COALESCE(w.act_id, -1) AS need, {period} AS period,
       MEDIAN(w.served - w.requested) AS median_wait, COUNT(*) AS served
FROM waiting w JOIN scope_map sm ON sm.team_id = w.team_id
WHERE w.served IS NOT NULL
GROUP BY GROUPING SETS ((sm.scope_id, period), (sm.scope_id, w.act_id, period))
"""
