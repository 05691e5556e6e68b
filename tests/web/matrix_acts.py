"""Route × role table of the act catalogue and the evidence pages (every logged-in role:
reference times are information for all, and every figure is guarded by k >= 5)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.factories import Cast
from tests.web.matrix import EVERYONE_OK

EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/acts"): EVERYONE_OK,
    # The outsider sees the same catalogue, with figures of its own establishment only.
    ("GET", "/acts/{act_code}"): EVERYONE_OK,
}


def params(session: Session, cast: Cast) -> dict[str, object]:
    return {"act_code": cast.acts["PLAIE"].code}
