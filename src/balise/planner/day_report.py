"""A day plan in sentences, for ``balise plan --team``: the double and sequenced visits
side by side, and why each visit left out is left out."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.core.i18n import gettext as _
from balise.grid.models import Visit
from balise.grid.visit_links import linked_partners
from balise.planner.team_day import UNASSIGNED_REASONS, DayPlan
from balise.territory.models import Worker


def plan_lines(session: Session, plan: DayPlan) -> list[str]:
    stops = {s.visit_id: (worker, s.start) for worker, route in plan.routes.items()
             for s in route}
    visits = list(session.scalars(select(Visit).where(
        Visit.id.in_(set(stops) | set(plan.unassigned)))))
    partners = linked_partners(session, visits)
    names = {worker_id: code for worker_id, code in session.execute(
        select(Worker.id, Worker.code).where(Worker.id.in_(set(plan.routes))))}
    lines = []
    for visit in sorted(visits, key=lambda v: v.id):
        other = partners.get(visit.id)
        if visit.id not in stops or other is None or other.id not in stops:
            continue
        worker, start = stops[visit.id]
        other_worker, other_start = stops[other.id]
        if visit.link_kind == "double" and visit.id < other.id:
            lines.append(_("Double visit #{a} and #{b} at {time}: {w1} with {w2}.").format(
                a=visit.id, b=other.id, time=f"{start // 60:02d}:{start % 60:02d}",
                w1=names.get(worker, worker), w2=names.get(other_worker, other_worker)))
        elif visit.link_kind == "before":
            lines.append(_("Sequence #{a} then #{b}: {w1} at {t1}, then {w2} at {t2} "
                           "({low}–{high} min after the first ends).").format(
                a=visit.id, b=other.id, w1=names.get(worker, worker),
                t1=f"{start // 60:02d}:{start % 60:02d}", w2=names.get(other_worker, other_worker),
                t2=f"{other_start // 60:02d}:{other_start % 60:02d}",
                low=other.delay_min, high=other.delay_max))
    by_id = {v.id: v for v in visits}
    for visit_id, reason in sorted(plan.unassigned.items()):
        optional = by_id[visit_id].optional if visit_id in by_id else False
        lines.append(_("Left out #{visit}: {reason}{waiting}").format(
            visit=visit_id, reason=_(UNASSIGNED_REASONS[reason]),
            waiting=_(" (optional: it waits on the waiting list)") if optional else ""))
    return lines
