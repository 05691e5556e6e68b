"""Route × role table of the letter-27 aims page: aggregates (k >= 5) for everyone who
reads indicators; a worker's account is refused by role."""

from __future__ import annotations

from tests.web.matrix import FORBIDDEN, OK, only

EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/indicators/letter-27"): only(OK, alice=FORBIDDEN),
}
