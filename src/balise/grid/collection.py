"""What Balise records about work: the collection settings a joint committee decides.

Each kind of record can be switched off for an establishment or for one team. A team's
own setting wins over its establishment's. Nothing records location from the phone,
and no setting can turn that on.

Defaults (no decision yet), with their reason:

* ``realized_times`` on: start and end times are the worker's own record and the only
  evidence that can correct an imposed standard (principle 4); they are never shown to
  anyone else than the worker except as aggregates over at least 5 workers.
* ``variance_reasons`` on, always optional: they explain time without justifying it.
* ``notes`` on, optional: a free note helps the next visit.
* ``unmet_needs`` on: they feed the waiting list, which protects clients.
* ``travel`` on: travel time is where planning can free time for care.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from balise.core import clock
from balise.core.errors import BaliseError
from balise.core.i18n import gettext as _
from balise.core.i18n import lazy
from balise.grid.models import CollectionSetting

KINDS: dict[str, str] = {
    "realized_times": lazy("Realized start and end times"),
    "variance_reasons": lazy("Variance reasons"),
    "notes": lazy("Notes"),
    "unmet_needs": lazy("Unmet needs"),
    "travel": lazy("Travel time"),
}
DEFAULTS: dict[str, bool] = dict.fromkeys(KINDS, True)
# The fields of a visit each kind of record fills (unmet needs go to the waiting list).
VISIT_FIELDS: dict[str, tuple[str, ...]] = {
    "realized_times": ("realized_start", "realized_end"),
    "travel": ("travel_minutes",),
    "notes": ("note",),
    "variance_reasons": ("reasons",),
}


@dataclass(frozen=True)
class Setting:
    key: str
    enabled: bool
    decision_ref: str | None  # None: the documented default
    team_level: bool


class NotCollected(BaliseError):
    """A record of a kind the committee switched off."""

    code = "not_collected"

    def __init__(self, key: str, decision_ref: str | None) -> None:
        super().__init__(key=_(KINDS[key]), decision=decision_ref or "—")
        self.key = key


def effective(session: Session, establishment_id: int, team_id: int | None) -> dict[str, Setting]:
    """The settings in force for a team (or the whole establishment when team is None)."""
    rows = session.scalars(
        select(CollectionSetting)
        .where(
            CollectionSetting.establishment_id == establishment_id,
            or_(CollectionSetting.team_id.is_(None), CollectionSetting.team_id == team_id),
        )
        .order_by(CollectionSetting.set_at, CollectionSetting.id)
    ).all()
    settings = {key: Setting(key, value, None, False) for key, value in DEFAULTS.items()}
    # Establishment rows first, then the team's, each in time order: the last one wins.
    for row in sorted(rows, key=lambda r: (r.team_id is not None, r.set_at, r.id)):
        settings[row.key] = Setting(row.key, row.enabled, row.decision_ref, row.team_id is not None)
    return settings


def withheld(settings: dict[str, Setting]) -> frozenset[str]:
    """The kinds of record switched off: no page or export of single visits shows them.

    Values recorded before the decision stay stored until their retention period ends
    (docs/privacy/retention.md) but are no longer shown, even for the days before it:
    the committee withdrew the record, not only its future entries. Indicators keep the
    periods before the decision (``indicators.series.not_collected``)."""
    return frozenset(key for key, setting in settings.items() if not setting.enabled)


class TeamSettings:
    """The settings in force per team of one establishment, read once per team: for
    exports and imports that go through thousands of visits."""

    def __init__(self, session: Session, establishment_id: int) -> None:
        self.session = session
        self.establishment_id = establishment_id
        self._found: dict[int | None, dict[str, Setting]] = {}

    def __call__(self, team_id: int | None) -> dict[str, Setting]:
        if team_id not in self._found:
            self._found[team_id] = effective(self.session, self.establishment_id, team_id)
        return self._found[team_id]

    def withheld_fields(self, team_id: int | None) -> frozenset[str]:
        return frozenset(name for key in withheld(self(team_id))
                         for name in VISIT_FIELDS.get(key, ()))


def require(settings: dict[str, Setting], key: str) -> None:
    setting = settings[key]
    if not setting.enabled:
        raise NotCollected(key, setting.decision_ref)


def change(
    session: Session, *, establishment_id: int, team_id: int | None, key: str, enabled: bool,
    decision_id: int, decision_ref: str,
) -> tuple[bool, bool]:
    """Record a setting adopted by a decision; return (old, new) values for the journal.

    Only the committee service calls this, when a proposal of this kind is adopted."""
    if key not in KINDS:
        raise ValueError(f"unknown collection setting {key!r}")
    old = effective(session, establishment_id, team_id)[key].enabled
    session.add(CollectionSetting(establishment_id=establishment_id, team_id=team_id, key=key,
                                  enabled=enabled, decision_id=decision_id,
                                  decision_ref=decision_ref, set_at=clock.now()))
    session.flush()
    return old, enabled
