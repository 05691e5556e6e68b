"""A project's indicators and targets: proposed, then adopted as a committee decision.

The committee service calls :func:`checked_indicator_set` when a proposal of kind
``indicator_set`` is filed (so that adoption cannot fail) and :func:`adopt_indicator_set`
when it is adopted. A later decision changes some indicators and leaves the others with
the decision that set them: each row ends when a later decision replaces or removes
it, and nothing is overwritten, so the dashboard can say which decision set each one.

Effect of a proposal, as stored::

    {"indicators": [{"code": "visits_per_worker_week", "need": "", "target": 32.0,
                     "baseline_start": "2026-01-05", "baseline_end": "2026-06-28"}, ...],
     "remove": ["travel_share"]}
"""

from __future__ import annotations

import math
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.committee.models import Committee, Decision, Project
from balise.core.errors import InvalidInput
from balise.grid.models import Act
from balise.indicators.catalogue import definitions
from balise.indicators.definitions import IndicatorInputError
from balise.indicators.models import ProjectIndicator
from balise.journal.service import append


def _number(raw: object) -> float | None:
    if raw is None or raw == "":
        return None
    try:
        value = float(str(raw).replace(",", ".").strip())
    except ValueError as exc:
        raise IndicatorInputError("target", "indicator_not_a_number") from exc
    if not math.isfinite(value):
        raise IndicatorInputError("target", "indicator_not_a_number")
    return value


def _day(field: str, raw: object) -> str | None:
    if raw is None or raw == "":
        return None
    try:
        return date.fromisoformat(str(raw)).isoformat()
    except ValueError as exc:
        raise InvalidInput(field, "not_a_date") from exc


def checked_indicator_set(session: Session, committee: Committee, effect: dict[str, object],
                          project: Project | None) -> dict[str, object]:
    """The effect as it will be applied, every code, need, target and date checked."""
    if project is None or project.committee_id != committee.id:
        raise InvalidInput("project", "required")
    known = definitions(session)
    raw_items = effect.get("indicators") or []
    raw_removed = effect.get("remove") or []
    if not isinstance(raw_items, list) or not isinstance(raw_removed, list):
        raise IndicatorInputError("indicators", "indicator_set_empty")
    items: list[dict[str, object]] = []
    seen: set[tuple[str, str]] = set()
    for raw in raw_items:
        entry = raw if isinstance(raw, dict) else {}
        code = str(entry.get("code", ""))
        if code not in known:
            raise IndicatorInputError("indicators", "indicator_unknown", indicator=code)
        need = str(entry.get("need") or "")
        if need and (not known[code].by_need
                     or session.scalar(select(Act.id).where(Act.code == need)) is None):
            raise InvalidInput("need", "unknown_choice")
        if (code, need) in seen:
            continue
        seen.add((code, need))
        start = _day("baseline_start", entry.get("baseline_start"))
        end = _day("baseline_end", entry.get("baseline_end"))
        if start and end and end < start:
            raise InvalidInput("baseline_end", "end_before_start")
        items.append({"code": code, "need": need, "target": _number(entry.get("target")),
                      "baseline_start": start, "baseline_end": end})
    removed = sorted({str(code) for code in raw_removed if str(code) in known})
    if not items and not removed:
        raise IndicatorInputError("indicators", "indicator_set_empty")
    return {"indicators": items, "remove": removed}


def indicator_set(session: Session, project_id: int) -> list[ProjectIndicator]:
    """The indicators in force for a project, in the order they were adopted."""
    return list(session.scalars(
        select(ProjectIndicator)
        .where(ProjectIndicator.project_id == project_id,
               ProjectIndicator.ended_by_decision_id.is_(None))
        .order_by(ProjectIndicator.id)))


def adopt_indicator_set(session: Session, committee: Committee, project_id: int,
                        effect: dict[str, object], decision: Decision) -> None:
    """Apply an adopted ``indicator_set`` proposal (called by the committee service)."""
    in_force = {(row.indicator_code, row.need): row for row in indicator_set(session, project_id)}
    items = effect.get("indicators")
    removed = effect.get("remove")
    for item in items if isinstance(items, list) else []:
        key = (str(item["code"]), str(item.get("need") or ""))
        if key in in_force:
            in_force[key].ended_by_decision_id = decision.id
        start, end = item.get("baseline_start"), item.get("baseline_end")
        target = item.get("target")
        session.add(ProjectIndicator(
            project_id=project_id, indicator_code=key[0], need=key[1],
            target=float(str(target)) if target is not None else None,
            baseline_start=date.fromisoformat(str(start)) if start else None,
            baseline_end=date.fromisoformat(str(end)) if end else None,
            decision_id=decision.id, decision_ref=decision.number,
            adopted_on=decision.adopted_on))
    for (code, _need), row in in_force.items():
        if isinstance(removed, list) and code in removed:
            row.ended_by_decision_id = decision.id
    session.flush()
    append(session, action="indicators.set.adopted", subject=f"project:{project_id}",
           payload={"decision": decision.number,
                    "codes": sorted(str(i["code"]) for i in items or [])
                    if isinstance(items, list) else []},
           establishment_id=committee.establishment_id)
