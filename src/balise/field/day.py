"""A worker's day for the field app (``GET /api/field/day``), in the shape the page
keeps offline: the visits in order, where they are roughly, what is planned, and what
the committee collects.

Clients are pseudonymous: a visit shows the client's code and the nearest CLSC or site
with a distance, never coordinates nor anything that names the person.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from babel.numbers import format_decimal
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from balise.core.access import Viewer
from balise.core.errors import NotFound
from balise.core.i18n import current_language, pick
from balise.core.i18n import gettext as _
from balise.field.versions import snapshot
from balise.grid import collection
from balise.grid.models import (
    REASON_CATEGORIES,
    Act,
    ReferenceTime,
    VarianceReason,
    Visit,
    VisitAct,
)
from balise.territory.models import Client, Site

# The keys of a visit's realized state (``versions.snapshot``) each kind of record fills.
SNAPSHOT_FIELDS: dict[str, tuple[str, ...]] = {
    "realized_times": ("start", "end"), "travel": ("travel_minutes",),
    "variance_reasons": ("reason_ids",), "notes": ("note",), "unmet_needs": (),
}
EARTH_KM = 6371.0


def worker_day(session: Session, viewer: Viewer, day: date) -> dict[str, Any]:
    if viewer.worker_id is None or viewer.team_id is None:
        raise NotFound()
    visits = list(session.scalars(
        select(Visit)
        .where(Visit.worker_id == viewer.worker_id, Visit.day == day)
        .options(selectinload(Visit.acts).selectinload(VisitAct.act),
                 selectinload(Visit.reasons))
        .order_by(Visit.planned_start, Visit.window_start, Visit.id)))
    clients = {c.id: c for c in session.scalars(
        select(Client).where(Client.id.in_({v.client_id for v in visits})))}
    sites = list(session.scalars(select(Site).where(
        Site.establishment_id == viewer.establishment_id)))
    references = _references(session, {a.act_id for v in visits for a in v.acts}, day)
    settings = collection.effective(session, viewer.establishment_id, viewer.team_id)
    hidden = [name for key in collection.withheld(settings) for name in SNAPSHOT_FIELDS[key]]
    out = []
    previous: Client | None = None
    for visit in visits:
        client = clients[visit.client_id]
        shown = _visit(visit, client, previous, sites, references)
        # What the committee stopped collecting is not shown, even from before.
        shown["realized"].update({name: [] if name == "reason_ids" else None
                                  for name in hidden})
        out.append(shown)
        previous = client
    return {
        "day": day.isoformat(),
        "language": current_language(),
        "visits": out,
        "collect": {key: setting.enabled for key, setting in settings.items()},
        "acts": [{"id": a.id, "label": pick(a.label_fr, a.label_en)}
                 for a in sorted(session.scalars(select(Act)),
                                 key=lambda a: pick(a.label_fr, a.label_en))],
        "reasons": [{"id": r.id, "label": pick(r.label_fr, r.label_en),
                     "category": _(REASON_CATEGORIES.get(r.category, r.category))}
                    for r in session.scalars(select(VarianceReason)
                                             .where(VarianceReason.active.is_(True))
                                             .order_by(VarianceReason.category,
                                                       VarianceReason.id))],
    }


def _visit(visit: Visit, client: Client, previous: Client | None, sites: list[Site],
           references: dict[int, ReferenceTime]) -> dict[str, Any]:
    return {
        "id": visit.id,
        "client": client.code,
        "window": [_hhmm(visit.window_start), _hhmm(visit.window_end)],
        "planned_start": _hhmm(visit.planned_start),
        "planned_minutes": visit.planned_minutes,
        "status": visit.status,
        "place": _place(client, previous, sites),
        "acts": [{
            "id": a.act_id, "label": pick(a.act.label_fr, a.act.label_en),
            "planned": a.planned,
            "reference_minutes": references[a.act_id].minutes if a.act_id in references else None,
            "reference_by": references[a.act_id].adopted_by if a.act_id in references else None,
        } for a in sorted(visit.acts, key=lambda a: (not a.planned, a.act_id))],
        "realized": snapshot(visit),
    }


def _references(session: Session, act_ids: set[int], day: date) -> dict[int, ReferenceTime]:
    """The reference time in force on the day for each act: information, never a quota."""
    found: dict[int, ReferenceTime] = {}
    for ref in session.scalars(select(ReferenceTime).where(
            ReferenceTime.act_id.in_(act_ids), ReferenceTime.valid_from <= day)
            .order_by(ReferenceTime.valid_from)):
        found[ref.act_id] = ref  # later rows replace earlier ones
    return found


def _place(client: Client, previous: Client | None, sites: list[Site]) -> str:
    """"≈ 2,3 km from CLSC A" (and from the previous visit): enough to plan the way,
    not enough to find a home."""
    parts = []
    if sites:
        site = min(sites, key=lambda s: _km(client.lat, client.lon, s.lat, s.lon))
        parts.append(_("≈ {km} km from {site}").format(
            km=_decimal(_km(client.lat, client.lon, site.lat, site.lon)), site=site.name))
    if previous is not None:
        parts.append(_("≈ {km} km from the previous visit").format(
            km=_decimal(_km(client.lat, client.lon, previous.lat, previous.lon))))
    return " · ".join(parts)


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(a))


def _decimal(km: float) -> str:
    locale = "fr_CA" if current_language() == "fr" else "en_CA"
    return format_decimal(round(km, 1), format="0.0", locale=locale)


def _hhmm(minute: int | None) -> str | None:
    return None if minute is None else f"{minute // 60:02d}:{minute % 60:02d}"
