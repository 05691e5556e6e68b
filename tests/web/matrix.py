"""Shared names for the route × role tables (``tests/web/matrix_*.py``).

Each capability keeps its own table in ``tests/web/matrix_<capability>.py``:

* ``EXPECTED``: ``(method, path template) -> {username: status}`` for every route;
* ``params(session, cast) -> dict``: values for the path parameters its routes use,
  created for the test (e.g. a visit of alice's).

``test_access_matrix.py`` gathers every table, and fails on a route without one.
"""

from __future__ import annotations

ROLES = ["alice", "lead", "union", "employer", "national", "analyst", "admin", "outsider"]
OK, REDIRECT, FORBIDDEN, NOT_FOUND = 200, 303, 403, 404
EVERYONE_OK = dict.fromkeys(ROLES, OK)


def only(status_for_others: int, **allowed: int) -> dict[str, int]:
    """``only(FORBIDDEN, admin=OK)``: every role gets the first status but those named."""
    return {**dict.fromkeys(ROLES, status_for_others), **allowed}
