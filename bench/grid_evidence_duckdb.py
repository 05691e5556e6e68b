"""The alternative engine of ``grid_evidence.py``: the same evidence in DuckDB SQL.

DuckDB reads the same in-memory frame (NumPy arrays registered as tables, no copy) and
computes every figure the NumPy engine computes: counts, the three quantiles of the act
alone, their order-statistic intervals (ranks from the binomial, as in
``balise.grid.evidence``), the share over the standard, the attributed overrun per
team-week, distinct workers per group, each version's what-if and the least-squares
normal equations. Only the 20 x 20 NNLS solve and the binomial ranks stay in NumPy/SciPy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb
import numpy as np

from balise.grid import evidence as rules
from balise.grid.evidence_frame import VisitFrame

FIGURES = """
SELECT act, coalesce(team, -1) AS team, coalesce(band, -1) AS band,
       count(*) AS visits, count(*) FILTER (alone) AS alone,
       quantile_cont(m, [0.5, 0.8, 0.9]) FILTER (alone) AS q,
       avg((m > ref + other)::INTEGER) AS share_above,
       sum(greatest(0, m - ref - other) * ref / (ref + other)) AS overrun,
       count(DISTINCT worker) AS workers
FROM va
GROUP BY GROUPING SETS ((act), (act, band), (act, team))
"""

# Order statistics of the act alone at the ranks the binomial gives each group: running
# counts over each group's histogram of minutes (a window over ~10^5 rows, not 10^7).
BOUNDS = """
WITH h AS (
  SELECT act, coalesce(team, -1) AS team, coalesce(band, -1) AS band, m, count(*) AS c
  FROM va WHERE alone GROUP BY GROUPING SETS ((act, m), (act, band, m), (act, team, m))),
cum AS (
  SELECT act, team, band, m,
         sum(c) OVER (PARTITION BY act, team, band ORDER BY m) AS upto FROM h)
SELECT k.act, k.team, k.band, k.q, k.side, min(c.m)
FROM ranks k JOIN cum c ON c.act = k.act AND c.team = k.team AND c.band = k.band
                       AND c.upto >= k.rank
GROUP BY ALL
"""

HISTORY = """
SELECT va.act, h.minutes, avg((m > h.minutes + other)::INTEGER) AS share_above,
       avg((m - h.minutes - other) * h.minutes / (h.minutes + other))
         FILTER (m > h.minutes + other) AS mean_excess,
       median((m - h.minutes - other) * h.minutes / (h.minutes + other))
         FILTER (m > h.minutes + other) AS median_excess
FROM va JOIN history h ON h.act = va.act GROUP BY ALL
"""


def evidence(frame: VisitFrame, references: Mapping[int, int],
             versions: Mapping[int, list[int]], threads: int | None = None) -> dict[str, Any]:
    """Every figure of every act, keyed as ``(act index, team, band)`` (-1 = all)."""
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    ref = np.array([references.get(int(a), 0) for a in frame.act_ids], dtype=np.float64)
    con.register("visits", {"v": np.arange(frame.visits), "minutes": frame.minutes,
                            "team": frame.team, "band": frame.smaf_group,
                            "worker": frame.worker, "week": frame.week})
    con.register("acts", {"v": frame.act_visit, "act": frame.act})
    con.register("refs", {"act": np.arange(len(ref)), "ref": ref})
    con.execute("""
        CREATE TEMP TABLE standard AS
        SELECT v, sum(ref) AS standard, count(*) AS n FROM acts JOIN refs USING (act) GROUP BY v;
        CREATE TEMP TABLE va AS
        SELECT a.act, vi.minutes AS m, vi.team, vi.band, vi.worker, r.ref,
               s.standard - r.ref AS other, s.n = 1 AS alone
        FROM acts a JOIN visits vi USING (v) JOIN refs r USING (act) JOIN standard s USING (v);
    """)
    figures = con.execute(FIGURES).fetchall()
    team_weeks = dict(con.execute(
        "SELECT team, count(DISTINCT week) FROM visits GROUP BY team").fetchall())
    groups = [(int(row[0]), int(row[1]), int(row[2]), int(row[4])) for row in figures]
    ranks = _ranks(groups)
    con.register("ranks", ranks)
    bounds = con.execute(BOUNDS).fetchall()
    history_rows = [(a, m) for a, values in versions.items() for m in values]
    con.register("history", {"act": np.array([a for a, _m in history_rows], dtype=np.int64),
                             "minutes": np.array([m for _a, m in history_rows], dtype=np.float64)})
    history = con.execute(HISTORY).fetchall()
    gram = con.execute("""SELECT a.act, b.act, count(*) FROM acts a JOIN acts b USING (v)
                          GROUP BY ALL""").fetchall()
    moment = con.execute("""SELECT act, sum(minutes) FROM acts JOIN visits USING (v)
                            GROUP BY act""").fetchall()
    con.close()
    return {"figures": figures, "bounds": bounds, "history": history,
            "team_weeks": team_weeks, "estimates": _nnls(gram, moment, len(ref))}


def _ranks(groups: list[tuple[int, int, int, int]]) -> dict[str, np.ndarray]:
    """Binomial ranks of each group's interval, as the NumPy engine computes them."""
    columns: dict[str, list[float]] = {k: [] for k in ("act", "team", "band", "q", "side", "rank")}
    n = np.array([g[3] for g in groups])
    for q in rules.QUANTILES:
        low, high = rules.order_statistic_ranks(n, q)
        for (act, team, band, _n), lo, hi in zip(groups, low, high, strict=True):
            for side, rank in ((0, lo), (1, hi)):
                for key, value in zip(columns, (act, team, band, q, side, rank), strict=True):
                    columns[key].append(value)
    return {k: np.array(v, dtype=np.float64 if k == "q" else np.int64)
            for k, v in columns.items()}


def _nnls(gram_rows: list[tuple[Any, ...]], moment_rows: list[tuple[Any, ...]],
          n_acts: int) -> np.ndarray:
    from scipy.linalg import solve_triangular
    from scipy.optimize import nnls

    gram = np.zeros((n_acts, n_acts))
    for a, b, count in gram_rows:
        gram[a, b] = count
    moment = np.zeros(n_acts)
    for a, total in moment_rows:
        moment[a] = total
    seen = np.diag(gram) > 0
    g = gram[np.ix_(seen, seen)] + 1e-9 * np.trace(gram) * np.eye(int(seen.sum()))
    upper = np.linalg.cholesky(g).T
    result = np.full(n_acts, np.nan)
    result[seen] = nnls(upper, solve_triangular(upper.T, moment[seen], lower=True))[0]
    return result
