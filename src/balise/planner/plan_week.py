"""Which days ``balise plan --team T --week W`` plans: every day of one ISO week.

The week is named by its ISO number (``2026-W48``) or by its Monday (``2026-11-23``);
another day is refused with the Monday and week it belongs to, rather than guessed.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from balise.core.i18n import gettext as _

ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$", re.IGNORECASE)


class WeekNotUnderstood(ValueError):
    """``str(error)`` is the reason, in the reader's language."""


def week_days(value: str) -> list[date]:
    """Monday to Sunday of the named week, or WeekNotUnderstood."""
    text = value.strip()
    found = ISO_WEEK.match(text)
    try:
        if found is not None:
            monday = date.fromisocalendar(int(found.group(1)), int(found.group(2)), 1)
        else:
            monday = date.fromisoformat(text)
    except ValueError as exc:
        raise WeekNotUnderstood(_(
            "--week takes an ISO week such as 2026-W48 or the Monday of the week such as "
            "2026-11-23, not {value}.").format(value=value)) from exc
    if monday.weekday() != 0:
        first = monday - timedelta(days=monday.weekday())
        year, week, _day = first.isocalendar()
        raise WeekNotUnderstood(_(
            "{value} is not a Monday: give the Monday of its week ({monday}) or the ISO "
            "week ({week}).").format(value=value, monday=first.isoformat(),
                                     week=f"{year}-W{week:02d}"))
    return [monday + timedelta(days=i) for i in range(7)]
