"""Route × role table of imports and exports.

Analysts and administrators import; the analyst exports every kind of the
establishment, a worker their own visits (the table's ``kind`` is ``visits``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.factories import Cast
from tests.web.matrix import FORBIDDEN, OK, only

EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/imports"): only(FORBIDDEN, analyst=OK, admin=OK),
    # The matrix posts a form with its token and no file: refused clearly, never a 500.
    ("POST", "/imports"): only(FORBIDDEN, analyst=400, admin=400),
    ("GET", "/exports/{kind}"): only(FORBIDDEN, alice=OK, analyst=OK),
}


def params(session: Session, cast: Cast) -> dict[str, object]:
    return {"kind": "visits"}
