"""Travel times from a road-network server (OSRM or Valhalla), one table request per plan.

When ``BALISE_ROUTING_URL`` is set, the planner asks the server once for the whole
matrix of driving times between the day's places. When the server does not answer, or
answers something that is not a complete matrix, the plan falls back to the straight
line (``travel.py``) and says so: a plan built on guessed travel must never look like
one built on the road network.

* OSRM: ``GET {url}/table/v1/driving/{lon},{lat};...?annotations=duration`` answers
  ``{"code": "Ok", "durations": [[seconds or null, ...], ...]}``.
* Valhalla: ``POST {url}/sources_to_targets`` with ``{"sources": [{"lat", "lon"}],
  "targets": [...], "costing": "auto"}`` answers ``{"sources_to_targets": [[{"time":
  seconds or null, "from_index", "to_index", ...}, ...], ...]}``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from balise.core.i18n import lazy
from balise.core.settings import Settings
from balise.planner.travel import TravelProfile, straight_line_matrix

ENGINES = ("osrm", "valhalla")

# Why a plan fell back to the straight line: shown on the plan page and by the CLI.
FALLBACK_WARNINGS: dict[str, str] = {
    "routing_unreachable": lazy(
        "The routing server did not answer; travel times are straight-line estimates."),
    "routing_garbage": lazy(
        "The routing server answered something that is not a travel-time table; travel "
        "times are straight-line estimates."),
    "routing_no_road": lazy(
        "The routing server found no road between some of the day's places; travel times "
        "are straight-line estimates."),
}


class RoutingFailed(Exception):
    """The server gave no usable matrix; ``code`` is a key of FALLBACK_WARNINGS."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


@dataclass(frozen=True)
class RoutingServer:
    url: str
    engine: str = "osrm"
    timeout_s: float = 10.0


@dataclass(frozen=True)
class TravelMatrix:
    minutes: list[list[float]]
    source: str  # "osrm", "valhalla" or "straight_line"
    warning: str | None = None  # a key of FALLBACK_WARNINGS when the server failed


def routing_server(settings: Settings) -> RoutingServer | None:
    """The configured server (``BALISE_ROUTING_URL``, ``BALISE_ROUTING_ENGINE``), if any."""
    if not settings.routing_url:
        return None
    return RoutingServer(settings.routing_url, settings.routing_engine,
                         settings.routing_timeout_s)


def travel_matrix(points: Sequence[tuple[float, float]], profile: TravelProfile,
                  server: RoutingServer | None) -> TravelMatrix:
    """Minutes between every pair of (lat, lon) points: from the server when one is
    configured and answers a full table, else the straight line with a warning."""
    if server is None or not server.url or len(points) < 2:
        return TravelMatrix(straight_line_matrix(points, profile), "straight_line")
    try:
        seconds = road_seconds(points, server)
    except RoutingFailed as failure:
        return TravelMatrix(straight_line_matrix(points, profile), "straight_line",
                            failure.code)
    # Whole minutes, like the straight line: they keep the planner's arithmetic exact.
    return TravelMatrix([[float(round(s / 60)) for s in row] for row in seconds],
                        server.engine)


def road_seconds(points: Sequence[tuple[float, float]],
                 server: RoutingServer) -> list[list[float]]:
    """The server's driving times in seconds, or RoutingFailed."""
    try:
        if server.engine == "valhalla":
            body = {"sources": [{"lat": lat, "lon": lon} for lat, lon in points],
                    "costing": "auto"}
            body["targets"] = body["sources"]
            response = httpx.post(f"{server.url}/sources_to_targets", json=body,
                                  timeout=server.timeout_s)
        else:
            where = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
            response = httpx.get(f"{server.url}/table/v1/driving/{where}",
                                 params={"annotations": "duration"},
                                 timeout=server.timeout_s)
        response.raise_for_status()
        data = response.json()
    except httpx.HTTPStatusError as exc:
        # A server error means it could not answer; a refusal (4xx) is an answer, not a table.
        unreachable = exc.response.status_code >= 500
        raise RoutingFailed("routing_unreachable" if unreachable else "routing_garbage") from exc
    except httpx.HTTPError as exc:  # refused connection, timeout, broken transfer
        raise RoutingFailed("routing_unreachable") from exc
    except ValueError as exc:  # a body that is not JSON
        raise RoutingFailed("routing_garbage") from exc
    rows = _valhalla_rows(data) if server.engine == "valhalla" else _osrm_rows(data)
    return _checked(rows, len(points))


def _osrm_rows(data: Any) -> Any:
    if not isinstance(data, dict) or data.get("code") != "Ok":
        raise RoutingFailed("routing_garbage")
    return data.get("durations")


def _valhalla_rows(data: Any) -> Any:
    table = data.get("sources_to_targets") if isinstance(data, dict) else None
    if not isinstance(table, list):
        raise RoutingFailed("routing_garbage")
    rows = []
    for row in table:
        if not isinstance(row, list):
            raise RoutingFailed("routing_garbage")
        cells: list[Any] = [None] * len(row)
        for cell in row:
            if not isinstance(cell, dict) or not isinstance(cell.get("to_index"), int) \
                    or not 0 <= cell["to_index"] < len(row):
                raise RoutingFailed("routing_garbage")
            cells[cell["to_index"]] = cell.get("time", "missing")
        rows.append(cells)
    return rows


def _checked(rows: Any, size: int) -> list[list[float]]:
    """A size × size table of finite non-negative numbers; None means no road."""
    if not isinstance(rows, list) or len(rows) != size:
        raise RoutingFailed("routing_garbage")
    table: list[list[float]] = []
    no_road = False
    for row in rows:
        if not isinstance(row, list) or len(row) != size:
            raise RoutingFailed("routing_garbage")
        values = []
        for cell in row:
            if cell is None:
                no_road = True
                values.append(0.0)
            elif isinstance(cell, bool) or not isinstance(cell, int | float) \
                    or not math.isfinite(cell) or cell < 0:
                raise RoutingFailed("routing_garbage")
            else:
                values.append(float(cell))
        table.append(values)
    if no_road:
        raise RoutingFailed("routing_no_road")
    return table
